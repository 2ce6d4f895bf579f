"""The inventory's sorts by name and by tier read an index in order (lower(name), id and the tier's rank, id)
instead of sorting every project

Revision ID: a1c0ffee0025
Revises: a1c0ffee0023
Create Date: 2026-11-30 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0025'
down_revision = 'a1c0ffee0023'
branch_labels = None
depends_on = None

# the same expression as reviewboard.projects.models.TIER_RANK (written out: the statement must match it)
TIER_RANK = "(CASE tier WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'prohibited' THEN 3 END)"


def upgrade():
    op.create_index('ix_project_name_lower_id', 'project', [sa.text('lower(name)'), 'id'])
    op.create_index('ix_project_tier_rank_id', 'project', [sa.text(TIER_RANK), 'id'])


def downgrade():
    op.drop_index('ix_project_tier_rank_id', table_name='project')
    op.drop_index('ix_project_name_lower_id', table_name='project')
