"""late conflict: when a reviewer who declared no conflict declared one later in the round

Revision ID: a1c0ffee0006
Revises: a1c0ffee0005
Create Date: 2026-11-28 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0006'
down_revision = 'a1c0ffee0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conflict_declaration') as batch_op:
        batch_op.add_column(sa.Column('conflict_declared_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('conflict_declaration') as batch_op:
        batch_op.drop_column('conflict_declared_at')
