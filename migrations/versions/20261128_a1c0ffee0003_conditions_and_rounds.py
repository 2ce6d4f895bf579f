"""conditions and rounds

Revision ID: a1c0ffee0003
Revises: a1c0ffee0002
Create Date: 2026-11-28 05:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0003'
down_revision = 'a1c0ffee0002'
branch_labels = None
depends_on = None


def upgrade():
    # tracked conditions: the owner's answer with its evidence file, and who closed it
    with op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('response', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closing_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_condition_evidence_id_evidence'), 'evidence',
                                    ['evidence_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_condition_closed_by_id_user'), 'user', ['closed_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_condition_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_condition_known_status'),
                                         "status in ('open', 'fulfilled', 'closed')")
        batch_op.create_check_constraint(batch_op.f('ck_condition_closed_has_time'),
                                         "(status = 'closed') = (closed_at IS NOT NULL)")
    # resubmission: criteria a reviewer reopens, verdicts carried over, and the stage's reopened codes
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopen', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('carried_over', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reopen_codes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.drop_column('reopen_codes')
    with op.batch_alter_table('verdict', schema=None) as batch_op:
        batch_op.drop_column('carried_over')
        batch_op.drop_column('reopen')
    # a fulfilled condition is still open until a reviewer accepts it
    op.execute("UPDATE condition SET status = 'open' WHERE status = 'fulfilled'")
    with op.batch_alter_table('condition', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_condition_closed_has_time'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_condition_known_status'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_condition_known_status'), "status in ('open', 'closed')")
        batch_op.drop_constraint(batch_op.f('fk_condition_closed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_condition_evidence_id_evidence'), type_='foreignkey')
        batch_op.drop_column('closing_note')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('response')
        batch_op.drop_column('evidence_id')
