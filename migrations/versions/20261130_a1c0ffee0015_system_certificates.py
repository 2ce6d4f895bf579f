"""system certificates: issued certificates with their stored status, the signed status lists, and the
public register's listings

Revision ID: a1c0ffee0015
Revises: a1c0ffee0019
Create Date: 2026-11-30 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0015'
down_revision = 'a1c0ffee0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('statement_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reasons', sa.JSON(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status in ('valid', 'suspended', 'revoked', 'expired')",
                       name=op.f('ck_certificate_known_status')),
    sa.CheckConstraint('revoked_by_id IS NULL OR revoked_reason IS NOT NULL',
                       name=op.f('ck_certificate_revocation_has_reason')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_certificate_project_id_project')),
    sa.ForeignKeyConstraint(['version_id'], ['system_version.id'],
                            name=op.f('fk_certificate_version_id_system_version')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_certificate_record_id_record')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user.id'], name=op.f('fk_certificate_revoked_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('public_id', name=op.f('uq_certificate_public_id')),
    sa.UniqueConstraint('record_id', name=op.f('uq_certificate_record_id'))
    )
    op.create_index('ix_certificate_project_id', 'certificate', ['project_id'], unique=False)
    op.create_index('ix_certificate_status', 'certificate', ['status'], unique=False)
    op.create_table('certificate_status_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('envelope', sa.Text(), nullable=False),
    sa.Column('entries_sha256', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_status_list')),
    sa.UniqueConstraint('serial', name=op.f('uq_certificate_status_list_serial'))
    )
    op.create_table('register_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('public_description', sa.Text(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_register_listing_project_id_project')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_register_listing_changed_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_listing')),
    sa.UniqueConstraint('project_id', name=op.f('uq_register_listing_project_id'))
    )


def downgrade():
    op.drop_table('register_listing')
    op.drop_table('certificate_status_list')
    op.drop_index('ix_certificate_status', table_name='certificate')
    op.drop_index('ix_certificate_project_id', table_name='certificate')
    op.drop_table('certificate')
