"""job outbox: records (and digests) are made by a worker after the commit; one record per decided round

Revision ID: a1c0ffee0011
Revises: a1c0ffee0010
Create Date: 2026-11-29 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0011'
down_revision = 'a1c0ffee0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
    sa.UniqueConstraint('kind', 'key', name=op.f('uq_job_kind_key'))
    )
    op.create_index('ix_job_status_run_after', 'job', ['status', 'run_after'], unique=False)
    op.add_column('record', sa.Column('round_number', sa.Integer(), nullable=True))
    # existing records: the newest round of their stage decided when they were issued
    op.execute("UPDATE record SET round_number = (SELECT max(r.number) FROM submission_round r "
               "WHERE r.stage_review_id = record.stage_review_id AND r.decided_at <= record.issued_at)")
    with op.batch_alter_table('record') as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_record_stage_review_id_round_number'),
                                          ['stage_review_id', 'round_number'])


def downgrade():
    with op.batch_alter_table('record') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_record_stage_review_id_round_number'), type_='unique')
        batch_op.drop_column('round_number')
    op.drop_index('ix_job_status_run_after', table_name='job')
    op.drop_table('job')
