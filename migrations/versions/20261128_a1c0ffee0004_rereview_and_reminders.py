"""rereview and reminders

Revision ID: a1c0ffee0004
Revises: a1c0ffee0003
Create Date: 2026-11-28 05:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0004'
down_revision = 'a1c0ffee0003'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
