"""The people who hold a role are read from an index on the role: the stage page's list of reviewers a chair may
assign (and the list of delegates) scanned every role row, 50,000 of them at 1,000,000 projects (mostly the
submitters'), for the thirty reviewers: 2 ms of the page, which grew with the number of people.

Revision ID: a1c0ffee0035
Revises: a1c0ffee0034
Create Date: 2026-12-01 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0035'
down_revision = 'a1c0ffee0034'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_user_role_role_user_id', 'user_role', ['role', 'user_id'])


def downgrade():
    op.drop_index('ix_user_role_role_user_id', table_name='user_role')
