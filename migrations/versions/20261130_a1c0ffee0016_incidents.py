"""incidents reported against a system, with their deadlines, authority report, closure and evidence files

Revision ID: a1c0ffee0016
Revises: a1c0ffee0014
Create Date: 2026-11-30 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0016'
down_revision = 'a1c0ffee0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('widespread', sa.Boolean(), nullable=False),
    sa.Column('detected_on', sa.Date(), nullable=False),
    sa.Column('affected_count', sa.Integer(), nullable=True),
    sa.Column('affected_description', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('reported', 'under_assessment', 'reported_to_authority', 'closed',
                               name='incident_state', native_enum=False, create_constraint=True, length=32),
              nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rules_version', sa.String(length=20), nullable=False),
    sa.Column('due_rule', sa.String(length=40), nullable=False),
    sa.Column('due_duty', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assessment_note', sa.Text(), nullable=True),
    sa.Column('authority', sa.String(length=200), nullable=True),
    sa.Column('authority_reference', sa.String(length=200), nullable=True),
    sa.Column('authority_reported_on', sa.Date(), nullable=True),
    sa.Column('authority_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.CheckConstraint("due_duty in ('report', 'close')", name=op.f('ck_incident_known_duty')),
    sa.CheckConstraint('affected_count IS NULL OR affected_count >= 0',
                       name=op.f('ck_incident_affected_not_negative')),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL AND closed_by_id IS NOT NULL "
                       "AND resolution IS NOT NULL)", name=op.f('ck_incident_closed_has_resolution')),
    sa.CheckConstraint('(authority_reference IS NULL) = (authority_reported_on IS NULL) AND '
                       '(authority_reference IS NULL) = (authority_recorded_by_id IS NULL)',
                       name=op.f('ck_incident_authority_report_whole')),
    sa.CheckConstraint("state <> 'reported_to_authority' OR authority_reference IS NOT NULL",
                       name=op.f('ck_incident_reported_has_reference')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_incident_project_id_project')),
    sa.ForeignKeyConstraint(['version_id'], ['system_version.id'], name=op.f('fk_incident_version_id_system_version')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user.id'], name=op.f('fk_incident_reported_by_id_user')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['user.id'], name=op.f('fk_incident_assessed_by_id_user')),
    sa.ForeignKeyConstraint(['authority_recorded_by_id'], ['user.id'],
                            name=op.f('fk_incident_authority_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_incident_closed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    op.create_index('ix_incident_state_due_on', 'incident', ['state', 'due_on'], unique=False)
    op.create_index('ix_incident_project_id', 'incident', ['project_id'], unique=False)
    op.create_table('incident_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('storage_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_incident_evidence_not_empty')),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_evidence_incident_id_incident')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_incident_evidence_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_evidence')),
    sa.UniqueConstraint('storage_name', name=op.f('uq_incident_evidence_storage_name'))
    )
    op.create_index('ix_incident_evidence_incident_id', 'incident_evidence', ['incident_id'], unique=False)


def downgrade():
    op.drop_index('ix_incident_evidence_incident_id', table_name='incident_evidence')
    op.drop_table('incident_evidence')
    op.drop_index('ix_incident_project_id', table_name='incident')
    op.drop_index('ix_incident_state_due_on', table_name='incident')
    op.drop_table('incident')
