"""committee mechanics: reviewer expertise, conflict declarations, delegations, "on behalf of" signatures

Revision ID: a1c0ffee0002
Revises: a1c0ffee0001
Create Date: 2026-11-28 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0002'
down_revision = 'a1c0ffee0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expertise', sa.JSON(), server_default='[]', nullable=False))

    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_review_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('round_number', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('nature', sa.Text(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT has_conflict OR length(nature) > 0',
                       name=op.f('ck_conflict_declaration_conflict_has_nature')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], name=op.f('fk_conflict_declaration_reviewer_id_user')),
    sa.ForeignKeyConstraint(['stage_review_id'], ['stage_review.id'],
                            name=op.f('fk_conflict_declaration_stage_review_id_stage_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('stage_review_id', 'reviewer_id', 'round_number',
                        name=op.f('uq_conflict_declaration_stage_review_id_reviewer_id_round_number'))
    )
    op.create_table('delegation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegator_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('delegate_id <> delegator_id', name=op.f('ck_delegation_not_self')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_delegation_period_order')),
    sa.ForeignKeyConstraint(['delegate_id'], ['user.id'], name=op.f('fk_delegation_delegate_id_user')),
    sa.ForeignKeyConstraint(['delegator_id'], ['user.id'], name=op.f('fk_delegation_delegator_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation'))
    )
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN with an inline reference: a batch rebuild would drop tables that others reference
        op.execute('ALTER TABLE signoff ADD COLUMN on_behalf_of_id INTEGER '
                   'CONSTRAINT fk_signoff_on_behalf_of_id_user REFERENCES "user" (id)')
        op.execute('ALTER TABLE verdict ADD COLUMN on_behalf_of_id INTEGER '
                   'CONSTRAINT fk_verdict_on_behalf_of_id_user REFERENCES "user" (id)')
    else:
        for table in ('signoff', 'verdict'):
            op.add_column(table, sa.Column('on_behalf_of_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f'fk_{table}_on_behalf_of_id_user'), table, 'user', ['on_behalf_of_id'],
                                  ['id'])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ('verdict', 'signoff'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if not sqlite:  # SQLite's rebuild leaves out every constraint on the dropped column
                batch_op.drop_constraint(batch_op.f(f'fk_{table}_on_behalf_of_id_user'), type_='foreignkey')
            batch_op.drop_column('on_behalf_of_id')
    op.drop_table('delegation')
    op.drop_table('conflict_declaration')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('expertise')
