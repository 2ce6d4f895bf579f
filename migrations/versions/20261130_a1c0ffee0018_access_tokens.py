"""personal access tokens for the API (hash only, scopes, expiry, last use, revocation)

Revision ID: a1c0ffee0018
Revises: a1c0ffee0013
Create Date: 2026-11-30 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0018'
down_revision = 'a1c0ffee0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('access_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_address', sa.String(length=64), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_access_token_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_access_token_token_hash'))
    )
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_token_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_token_user_id'))
    op.drop_table('access_token')
