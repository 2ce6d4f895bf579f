"""criterion comments: threaded comments per criterion (or stage), committee-only or visible to the submitter

Revision ID: a1c0ffee0005
Revises: a1c0ffee0004
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0005'
down_revision = 'a1c0ffee0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_review_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf_of_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('round_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("visibility IN ('committee', 'submitter')", name=op.f('ck_comment_visibility')),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_comment_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user')),
    sa.ForeignKeyConstraint(['criterion_id'], ['criterion.id'], name=op.f('fk_comment_criterion_id_criterion')),
    sa.ForeignKeyConstraint(['on_behalf_of_id'], ['user.id'], name=op.f('fk_comment_on_behalf_of_id_user')),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment')),
    sa.ForeignKeyConstraint(['stage_review_id'], ['stage_review.id'],
                            name=op.f('fk_comment_stage_review_id_stage_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    op.create_index('ix_comment_stage_review_id', 'comment', ['stage_review_id'], unique=False)


def downgrade():
    op.drop_index('ix_comment_stage_review_id', table_name='comment')
    op.drop_table('comment')
