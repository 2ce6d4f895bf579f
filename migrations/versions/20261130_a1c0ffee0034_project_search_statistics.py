"""The projects search's plan follows a good estimate of how many names (or purposes) a term matches: PostgreSQL
keeps a 1,000-entry histogram of lower(name) and lower(purpose), ten times its default.

The planner estimates ``lower(name) LIKE '%term%'`` by testing the term against the histogram of the expression
(taken from the expression indexes on it); with the default 100 entries a term found in one project in a hundred
hits no entry about one time in three, and its estimate falls to the 0.01 % floor. The planner then gathers every
match from the trigram index and sorts them all for a page of 20 (10,000 matches at 1,000,000 projects: 100 ms),
where reading the list's order index until 20 rows match takes 8 ms. With 1,000 entries such a term hits about ten.
The cost is a larger ANALYZE sample of the project table (300,000 rows instead of 30,000). PostgreSQL only.

Revision ID: a1c0ffee0034
Revises: a1c0ffee0033
Create Date: 2026-11-30 19:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1c0ffee0034'
down_revision = 'a1c0ffee0033'
branch_labels = None
depends_on = None

# (index, column number) of every expression index column on lower(name) or lower(purpose): the planner takes the
# expression's statistics from whichever of them it finds first
COLUMNS = [('ix_project_name_trgm', 1), ('ix_project_search', 1), ('ix_project_search', 2),
           ('ix_project_name_lower_id', 1)]
TARGET = 1000


def _set(target: int) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    for index, column in COLUMNS:
        op.execute(f'ALTER INDEX {index} ALTER COLUMN {column} SET STATISTICS {target}')
    op.execute('ANALYZE project')  # the plans use the new histograms from now on, not from the next autoanalyze


def upgrade():
    _set(TARGET)


def downgrade():
    _set(-1)
