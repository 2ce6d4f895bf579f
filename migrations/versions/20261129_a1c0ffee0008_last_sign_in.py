"""last sign-in: the dashboard shows each person the stages decided since their previous visit

Revision ID: a1c0ffee0008
Revises: a1c0ffee0007
Create Date: 2026-11-29 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0008'
down_revision = 'a1c0ffee0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('last_sign_in_at')
