"""certificate.supersedes_id: a renewed certificate names the one it replaces, so the status list and the gate
read the successor from a column instead of parsing a revocation reason

Revision ID: a1c0ffee0020
Revises: a1c0ffee0015
Create Date: 2026-11-30 02:55:00

"""
import warnings

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0020'
down_revision = 'a1c0ffee0015'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite rebuilds the table (batch mode) and reflects the tables it references; it cannot reflect the
    # project search's expression index, and says so: that index is not touched here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        _add_supersedes()


def _add_supersedes():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_certificate_supersedes_id_certificate', 'certificate',
                                    ['supersedes_id'], ['id'])
        batch_op.create_unique_constraint('uq_certificate_supersedes_id', ['supersedes_id'])


def downgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        _drop_supersedes()


def _drop_supersedes():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificate_supersedes_id', type_='unique')
        batch_op.drop_constraint('fk_certificate_supersedes_id_certificate', type_='foreignkey')
        batch_op.drop_column('supersedes_id')
