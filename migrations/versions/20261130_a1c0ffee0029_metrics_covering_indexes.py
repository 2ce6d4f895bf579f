"""The committee metrics read the period's decided rounds and their stages from two covering indexes instead of
scanning every stage review (four per project)

Revision ID: a1c0ffee0029
Revises: a1c0ffee0027
Create Date: 2026-11-30 05:25:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0029'
down_revision = 'a1c0ffee0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_submission_round_decided', 'submission_round',
                    ['decided_at', 'stage_review_id', 'submitted_at', 'outcome', 'number'])
    op.create_index('ix_stage_review_id_stage_project', 'stage_review', ['id', 'pipeline_stage_id', 'project_id'])


def downgrade():
    op.drop_index('ix_stage_review_id_stage_project', table_name='stage_review')
    op.drop_index('ix_submission_round_decided', table_name='submission_round')
