"""signing role: a sign-off names the role its signer acted in ("Committee chair", "Legal reviewer",
"Delegate of Ava Away"), which can be longer than 80 characters

Existing delegate sign-offs get "Delegate of <name>", the role their signed meaning already states ("...,
on behalf of <name>"); other rows keep their title, which matches the meaning their signer signed.

Revision ID: a1c0ffee0009
Revises: a1c0ffee0008
Create Date: 2026-11-29 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0009'
down_revision = 'a1c0ffee0008'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite does not enforce VARCHAR lengths, and a batch rebuild of signoff would drop the table that
    # conditions reference: only PostgreSQL needs the wider column
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('signoff', 'role_title', existing_type=sa.String(80), type_=sa.String(300),
                        existing_nullable=False)
    op.execute('UPDATE signoff SET role_title = \'Delegate of \' || '
               '(SELECT name FROM "user" WHERE "user".id = signoff.on_behalf_of_id) '
               'WHERE on_behalf_of_id IS NOT NULL')


def downgrade():
    op.execute("UPDATE signoff SET role_title = CASE WHEN on_behalf_of_id IS NOT NULL THEN 'Delegate' "
               "ELSE substr(role_title, 1, 80) END WHERE on_behalf_of_id IS NOT NULL OR length(role_title) > 80")
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('signoff', 'role_title', existing_type=sa.String(300), type_=sa.String(80),
                        existing_nullable=False)
