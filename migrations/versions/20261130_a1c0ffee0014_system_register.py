"""system register: system versions and their artifacts, registration facts and duties on the project,
registration filings, and the system's retirement

Revision ID: a1c0ffee0014
Revises: a1c0ffee5ca1
Create Date: 2026-11-30 00:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0014'
down_revision = 'a1c0ffee5ca1'
branch_labels = None
depends_on = None

PROJECT_COLUMNS = (
    lambda: sa.Column('sector', sa.String(length=40), nullable=True),
    lambda: sa.Column('public_service', sa.Boolean(), nullable=True),
    lambda: sa.Column('generative_public', sa.Boolean(), nullable=True),
    lambda: sa.Column('user_count', sa.BigInteger(), nullable=True),
    lambda: sa.Column('training_flop', sa.Float(precision=53), nullable=True),
    lambda: sa.Column('parameter_count', sa.BigInteger(), nullable=True),
    lambda: sa.Column('registration_duties', sa.JSON(), nullable=True),
    lambda: sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
)


def upgrade():
    op.create_table(
        'system_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=80), nullable=False),
        sa.Column('release_notes', sa.Text(), nullable=False),
        sa.Column('material_change', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_system_version_project_id_project')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_system_version_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_system_version')),
        sa.UniqueConstraint('project_id', 'label', name=op.f('uq_system_version_project_id_label')),
    )
    op.create_index('ix_system_version_project_id_created_at', 'system_version', ['project_id', 'created_at'])
    op.create_table(
        'system_artifact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('digest', sa.String(length=71), nullable=False),
        sa.CheckConstraint("kind in ('model', 'image', 'dataset', 'other')",
                           name=op.f('ck_system_artifact_known_kind')),
        sa.CheckConstraint('length(digest) = 71', name=op.f('ck_system_artifact_digest_length')),
        sa.ForeignKeyConstraint(['version_id'], ['system_version.id'],
                                name=op.f('fk_system_artifact_version_id_system_version')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_system_artifact')),
        sa.UniqueConstraint('version_id', 'kind', 'name', name=op.f('uq_system_artifact_version_id_kind_name')),
    )
    op.create_index('ix_system_artifact_digest', 'system_artifact', ['digest'])
    op.create_table(
        'registration_filing',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('duty_code', sa.String(length=60), nullable=False),
        sa.Column('authority', sa.String(length=200), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_registration_filing_not_empty')),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'],
                                name=op.f('fk_registration_filing_project_id_project')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_registration_filing_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_filing')),
    )
    op.create_index('ix_registration_filing_project_id_duty_code', 'registration_filing',
                    ['project_id', 'duty_code'])
    # plain ADD COLUMN on both engines: a batch rebuild of project on SQLite would reflect (and lose) the
    # project search's expression index
    for column in PROJECT_COLUMNS:
        op.add_column('project', column())


def downgrade():
    for column in reversed(PROJECT_COLUMNS):
        # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later) keeps the expression index a rebuild would lose
        op.execute(f'ALTER TABLE project DROP COLUMN {column().name}')
    op.drop_index('ix_registration_filing_project_id_duty_code', table_name='registration_filing')
    op.drop_table('registration_filing')
    op.drop_index('ix_system_artifact_digest', table_name='system_artifact')
    op.drop_table('system_artifact')
    op.drop_index('ix_system_version_project_id_created_at', table_name='system_version')
    op.drop_table('system_version')
