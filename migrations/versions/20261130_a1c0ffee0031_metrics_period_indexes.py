"""The committee metrics read a bounded period or the queue now from indexes: the stages in review (a partial
index), the period's sign-offs and recusals, and a decided round's project tier, instead of scanning whole tables

Revision ID: a1c0ffee0031
Revises: a1c0ffee0030
Create Date: 2026-11-30 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0031'
down_revision = 'a1c0ffee0030'
branch_labels = None
depends_on = None

IN_REVIEW = sa.text("state = 'in_review'")
RECUSED = sa.text("has_conflict")


def upgrade():
    op.create_index('ix_stage_review_in_review', 'stage_review',
                    ['due_at', 'submitted_at', 'pipeline_stage_id', 'project_id', 'id'],
                    postgresql_where=IN_REVIEW, sqlite_where=IN_REVIEW)
    op.create_index('ix_signoff_signed_at', 'signoff', ['signed_at', 'reviewer_id'])
    op.create_index('ix_conflict_declaration_recused', 'conflict_declaration',
                    [sa.text('coalesce(conflict_declared_at, declared_at)'), 'reviewer_id'],
                    postgresql_where=RECUSED, sqlite_where=RECUSED)
    op.create_index('ix_project_id_tier', 'project', ['id', 'tier'])


def downgrade():
    op.drop_index('ix_project_id_tier', table_name='project')
    op.drop_index('ix_conflict_declaration_recused', table_name='conflict_declaration')
    op.drop_index('ix_signoff_signed_at', table_name='signoff')
    op.drop_index('ix_stage_review_in_review', table_name='stage_review')
