"""rereview and reminders

Evidence expiry dates, the next review date of recurring stages, and the notices already sent by
`reviewboard remind` (one row per person and notice key, so a digest never repeats an item).

Revision ID: a1c0ffee0004
Revises: a1c0ffee0003
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0004'
down_revision = 'a1c0ffee0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_review_on', sa.Date(), nullable=True))
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.CheckConstraint("channel in ('smtp', 'log')", name=op.f('ck_notice_known_channel')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_notice_user_id_key')),
    )


def downgrade():
    op.drop_table('notice')
    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.drop_column('next_review_on')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('expires_on')
