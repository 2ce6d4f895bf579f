"""checkpoint timestamp: an RFC 3161 token over each audit checkpoint's signature when a TSA is configured

Revision ID: a1c0ffee0010
Revises: a1c0ffee0009
Create Date: 2026-11-29 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0010'
down_revision = 'a1c0ffee0009'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (no batch copy on SQLite): the table's append-only triggers stay in place
    op.add_column('audit_checkpoint', sa.Column('timestamp_token', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_checkpoint') as batch_op:
        batch_op.drop_column('timestamp_token')
    if op.get_bind().dialect.name == "sqlite":  # the batch copy dropped the append-only triggers: put them back
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_checkpoint_no_{verb}")
            op.execute(f"""CREATE TRIGGER audit_checkpoint_no_{verb} BEFORE {verb.upper()} ON audit_checkpoint
                           BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only'); END""")
