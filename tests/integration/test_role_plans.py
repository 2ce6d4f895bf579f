"""The people who hold a role (the reviewers a chair may assign on the stage page, a reviewer's possible delegates)
are read from the role's index entries on PostgreSQL, not from every role row: at 1,000,000 projects the 50,000
submitters' role rows were scanned for thirty reviewers. Checked with sequential scans switched off, so that the plan
shows whether an index can find a role's rows at all (on a small table the planner would rather scan it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reviewboard.auth.models import Role
from reviewboard.auth.services import role_holders_query


def test_the_holders_of_a_role_are_found_from_the_role_index(make, db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's (SQLite has the same index)")
    for _ in range(3):
        make.user("submitter")
    make.user("reviewer")
    db_session.flush()
    sql = str(role_holders_query(Role.REVIEWER).compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db_session.execute(text("EXPLAIN " + sql)).scalars())
    assert "ix_user_role_role_user_id" in plan, plan
