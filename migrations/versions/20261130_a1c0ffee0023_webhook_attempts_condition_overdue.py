"""webhook_attempt: one row per delivery attempt (number, time, status code or error, duration), the attempts
already made kept as their last row; condition.overdue_noted_at: when the sweep recorded that a condition
became overdue (the condition.overdue event and its webhook happen once per condition)

Revision ID: a1c0ffee0023
Revises: a1c0ffee0020
Create Date: 2026-11-30 04:10:00

"""
import contextlib
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0023'
down_revision = 'a1c0ffee0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webhook_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('fk_webhook_attempt_delivery_id_webhook_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempt')),
    sa.UniqueConstraint('delivery_id', 'number', name=op.f('uq_webhook_attempt_delivery_id_number'))
    )
    # the log so far kept only each delivery's last attempt: it becomes that attempt's row (its duration unknown)
    op.execute("INSERT INTO webhook_attempt (delivery_id, number, attempted_at, status_code, error) "
               "SELECT id, attempts, last_attempt_at, last_status_code, last_error FROM webhook_delivery "
               "WHERE attempts > 0 AND last_attempt_at IS NOT NULL")
    with _quiet(), op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_noted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with _quiet(), op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.drop_column('overdue_noted_at')
    op.drop_table('webhook_attempt')


@contextlib.contextmanager
def _quiet():
    """SQLite's batch mode reflects the tables the condition table references and cannot reflect the project
    search's expression index, and says so: that index is not touched here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        yield
