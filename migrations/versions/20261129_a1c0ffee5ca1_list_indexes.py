"""indexes for the list pages (projects, queue, dashboards) and the newest audit checkpoint

Revision ID: a1c0ffee5ca1
Revises: a1c0ffee0011
Create Date: 2026-11-29 22:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1c0ffee5ca1'
down_revision = 'a1c0ffee0011'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_project_updated_at_id', 'project', ['updated_at', 'id']),
    ('ix_project_owner_id', 'project', ['owner_id']),
    ('ix_project_tier_escalation', 'project', ['tier', 'escalation_cleared_by_id']),
    ('ix_project_member_user_id', 'project_member', ['user_id']),
    ('ix_stage_review_state', 'stage_review', ['state']),
    ('ix_stage_review_next_review_on', 'stage_review', ['next_review_on']),
    ('ix_submission_round_queue', 'submission_round', ['decided_at', 'submitted_at', 'stage_review_id']),
    ('ix_review_assignment_reviewer_id', 'review_assignment', ['reviewer_id']),
    ('ix_condition_status_due_date', 'condition', ['status', 'due_date']),
    ('ix_condition_owner_id', 'condition', ['owner_id']),
    ('ix_condition_stage_review_id', 'condition', ['stage_review_id']),
    ('ix_audit_event_action_created_at', 'audit_event', ['action', 'created_at']),
    ('ix_audit_checkpoint_seq_id', 'audit_checkpoint', ['seq', 'id']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    # the projects search: LIKE '%...%' on lower(name) / lower(purpose), a trigram index on PostgreSQL
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_project_search ON project USING gin '
                   '(lower(name) gin_trgm_ops, lower(purpose) gin_trgm_ops)')
    else:
        op.create_index('ix_project_search', 'project', [sa.text('lower(name)'), sa.text('lower(purpose)')])


def downgrade():
    op.drop_index('ix_project_search', table_name='project')
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
