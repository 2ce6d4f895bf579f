"""pipeline configuration

Revision ID: a1c0ffee0001
Revises: 862016ed3c7e
Create Date: 2026-11-28 05:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0001'
down_revision = '862016ed3c7e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
