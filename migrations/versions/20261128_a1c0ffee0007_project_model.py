"""project model: the AI models and versions a project uses (a change is material for re-review)

Revision ID: a1c0ffee0007
Revises: a1c0ffee0006
Create Date: 2026-11-28 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0007'
down_revision = 'a1c0ffee0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project') as batch_op:
        batch_op.add_column(sa.Column('model', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('project') as batch_op:
        batch_op.drop_column('model')
