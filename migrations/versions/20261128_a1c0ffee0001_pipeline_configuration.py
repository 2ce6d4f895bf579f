"""pipeline configuration

Revision ID: a1c0ffee0001
Revises: 862016ed3c7e
Create Date: 2026-11-28 05:00:00

Versioned, chair-configured pipelines: status and provenance per version; per stage a criteria rule,
M reviewers (quorum N <= M), required reviewer roles, a decision due time, a recurrence schedule and a
retired flag; and the decision due time of each stage review. Pipelines that exist already are published.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0001'
down_revision = '862016ed3c7e'
branch_labels = None
depends_on = None


# SQLite: plain ADD COLUMN with column-level constraints. A batch "move and copy" would drop and rebuild
# pipeline and pipeline_stage, which foreign keys (enforced, and not switchable inside the migration's
# transaction) refuse once projects and stage reviews point at them.
SQLITE_UPGRADE = (
    "ALTER TABLE pipeline ADD COLUMN description TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE pipeline ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'published' "
    "CONSTRAINT ck_pipeline_known_status CHECK (status in ('draft', 'published', 'retired'))",
    # SQLite adds no column with a non-constant default to a table with rows: the time of the upgrade is set after
    "ALTER TABLE pipeline ADD COLUMN created_at DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00'",
    "UPDATE pipeline SET created_at = CURRENT_TIMESTAMP",
    "ALTER TABLE pipeline ADD COLUMN created_by_id INTEGER "
    "CONSTRAINT fk_pipeline_created_by_id_user REFERENCES user (id)",
    "ALTER TABLE pipeline ADD COLUMN change_note TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE pipeline_stage ADD COLUMN criteria JSON",
    "ALTER TABLE pipeline_stage ADD COLUMN reviewers INTEGER NOT NULL DEFAULT 2",
    "ALTER TABLE pipeline_stage ADD COLUMN required_roles JSON NOT NULL DEFAULT '[]'",
    "ALTER TABLE pipeline_stage ADD COLUMN due_days INTEGER "
    "CONSTRAINT ck_pipeline_stage_due_days_positive CHECK (due_days IS NULL OR due_days >= 1)",
    "UPDATE pipeline_stage SET reviewers = quorum WHERE quorum > reviewers",
    # added after the update, so that existing rows pass; a column CHECK may name other columns in SQLite
    "ALTER TABLE pipeline_stage ADD COLUMN recurrence JSON "
    "CONSTRAINT ck_pipeline_stage_quorum_within_reviewers CHECK (quorum <= reviewers)",
    "ALTER TABLE pipeline_stage ADD COLUMN retired BOOLEAN NOT NULL DEFAULT 0",
    "ALTER TABLE stage_review ADD COLUMN due_at DATETIME",
)


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
        return

    with op.batch_alter_table('pipeline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('change_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_pipeline_created_by_id_user'), 'user', ['created_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_pipeline_known_status'),
                                         "status in ('draft', 'published', 'retired')")

    with op.batch_alter_table('pipeline_stage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reviewers', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('required_roles', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('due_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recurrence', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))

    # an existing stage may require more than two sign-offs: it then has at least that many reviewers
    op.execute(sa.text("UPDATE pipeline_stage SET reviewers = quorum WHERE quorum > reviewers"))

    with op.batch_alter_table('pipeline_stage', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_pipeline_stage_quorum_within_reviewers'),
                                         'quorum <= reviewers')
        batch_op.create_check_constraint(batch_op.f('ck_pipeline_stage_due_days_positive'),
                                         'due_days IS NULL OR due_days >= 1')

    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))


# Dropping the column also drops the CHECK it carries (so recurrence goes before quorum's reviewers).
SQLITE_DOWNGRADE = (
    "ALTER TABLE stage_review DROP COLUMN due_at",
    "ALTER TABLE pipeline_stage DROP COLUMN retired",
    "ALTER TABLE pipeline_stage DROP COLUMN recurrence",
    "ALTER TABLE pipeline_stage DROP COLUMN due_days",
    "ALTER TABLE pipeline_stage DROP COLUMN required_roles",
    "ALTER TABLE pipeline_stage DROP COLUMN reviewers",
    "ALTER TABLE pipeline_stage DROP COLUMN criteria",
    "ALTER TABLE pipeline DROP COLUMN change_note",
    "ALTER TABLE pipeline DROP COLUMN created_by_id",
    "ALTER TABLE pipeline DROP COLUMN created_at",
    "ALTER TABLE pipeline DROP COLUMN status",
    "ALTER TABLE pipeline DROP COLUMN description",
)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
        return

    with op.batch_alter_table('stage_review', schema=None) as batch_op:
        batch_op.drop_column('due_at')

    with op.batch_alter_table('pipeline_stage', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pipeline_stage_due_days_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_pipeline_stage_quorum_within_reviewers'), type_='check')
        batch_op.drop_column('retired')
        batch_op.drop_column('recurrence')
        batch_op.drop_column('due_days')
        batch_op.drop_column('required_roles')
        batch_op.drop_column('reviewers')
        batch_op.drop_column('criteria')

    with op.batch_alter_table('pipeline', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pipeline_known_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_pipeline_created_by_id_user'), type_='foreignkey')
        batch_op.drop_column('change_note')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('created_at')
        batch_op.drop_column('status')
        batch_op.drop_column('description')
