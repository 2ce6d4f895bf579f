"""A person's own time zone for the times pages show (an IANA name; NULL: the organisation's DISPLAY_TIMEZONE,
as every account had it before)

Revision ID: a1c0ffee0032
Revises: a1c0ffee0031
Create Date: 2026-11-30 10:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0032'
down_revision = 'a1c0ffee0031'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN on SQLite too: the column is nullable, no table rebuild is needed
    op.add_column('user', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    op.drop_column('user', 'time_zone')
