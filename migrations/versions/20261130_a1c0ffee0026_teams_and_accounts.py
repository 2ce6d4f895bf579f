"""project teams (project_member.role, added_at; every project's registrant becomes an owner) and people's
preferences (user.language, user.digest_enabled)

Revision ID: a1c0ffee0026
Revises: a1c0ffee0028
Create Date: 2026-11-30 04:00:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0026'
down_revision = 'a1c0ffee0028'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the tables (batch mode) and reflects the tables they reference; it cannot reflect the
    # project search's expression index, and says so: that index is not touched here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        _upgrade()


def _upgrade():
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), server_default='contributor', nullable=False))
        batch_op.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_project_member_known_member_role'),
                                         "role in ('owner', 'contributor', 'viewer')")
    # the person who registered a project was its only member until teams existed: they become its owner
    op.execute("UPDATE project_member SET role = 'owner' WHERE EXISTS (SELECT 1 FROM project "
               "WHERE project.id = project_member.project_id AND project.owner_id = project_member.user_id)")
    op.execute("INSERT INTO project_member (project_id, user_id, role) SELECT id, owner_id, 'owner' FROM project "
               "WHERE NOT EXISTS (SELECT 1 FROM project_member m WHERE m.project_id = project.id "
               "AND m.user_id = project.owner_id)")
    # plain ALTER TABLE on "user": rebuilding it (batch mode) on SQLite would drop a table that every other
    # table references. The language is checked by the service that sets it (reviewboard/accounts).
    op.add_column('user', sa.Column('language', sa.String(length=10), server_default='en', nullable=False))
    op.add_column('user', sa.Column('digest_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        _downgrade()


def _downgrade():
    op.drop_column('user', 'digest_enabled')
    op.drop_column('user', 'language')
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_project_member_known_member_role'), type_='check')
        batch_op.drop_column('added_at')
        batch_op.drop_column('role')
