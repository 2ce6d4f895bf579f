"""Single sign-on: sso_identity (a person's subject at the identity provider), signing_intent (a decision waiting
for the signer's fresh login there) and signoff.authenticated_by (password, or the provider that re-proved them)

Revision ID: a1c0ffee0028
Revises: a1c0ffee0025
Create Date: 2026-11-30 04:20:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0028'
down_revision = 'a1c0ffee0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sso_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=300), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sso_identity_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identity')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sso_identity_issuer_subject')),
        sa.UniqueConstraint('user_id', name=op.f('uq_sso_identity_user_id')),
    )
    op.create_table(
        'signing_intent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('stage_review_id', sa.Integer(), nullable=False),
        sa.Column('round_number', sa.Integer(), nullable=False),
        sa.Column('decision', sa.JSON(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['stage_review_id'], ['stage_review.id'],
                                name=op.f('fk_signing_intent_stage_review_id_stage_review')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_signing_intent_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_intent')),
        sa.UniqueConstraint('token', name=op.f('uq_signing_intent_token')),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        with op.batch_alter_table('signoff', schema=None) as batch_op:
            batch_op.add_column(sa.Column('authenticated_by', sa.String(length=320), server_default='password',
                                          nullable=False))


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        with op.batch_alter_table('signoff', schema=None) as batch_op:
            batch_op.drop_column('authenticated_by')
    op.drop_table('signing_intent')
    op.drop_table('sso_identity')
