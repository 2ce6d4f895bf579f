"""Catalogs, criteria, pipelines and their stages keep their texts in the languages other than English in a
`translations` JSON column ({"zh-Hans": {"title": ...}}); rows stored before read in English

Revision ID: a1c0ffee0030
Revises: a1c0ffee0029
Create Date: 2026-11-30 07:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0030'
down_revision = 'a1c0ffee0029'
branch_labels = None
depends_on = None

TABLES = ('catalog', 'criterion', 'pipeline', 'pipeline_stage')
# Plain ADD/DROP COLUMN on SQLite too (no batch "move and copy"): rebuilding pipeline_stage would turn its
# column-level CHECKs into table-level ones, and an older migration's DROP COLUMN would then fail on them.


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade():
    for table in reversed(TABLES):
        op.drop_column(table, 'translations')
