"""The projects search's bounded count stops after the rows it needs: a GiST trigram index on lower(name) returns a
name's matches one at a time (the GIN index, ix_project_search, collects every match before the first), so "more than
11 pages" costs the same at a million projects as at a thousand. PostgreSQL only (SQLite has no trigram index).

Revision ID: a1c0ffee0033
Revises: a1c0ffee0032
Create Date: 2026-11-30 17:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0033'
down_revision = 'a1c0ffee0032'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX ix_project_name_trgm ON project USING gist (lower(name) gist_trgm_ops)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_project_name_trgm', table_name='project')
