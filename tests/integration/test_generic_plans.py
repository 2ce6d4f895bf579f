"""The review queue as it opens is planned once per connection on PostgreSQL (core/plans.py): planning it each time
cost more than running it. Checked from PostgreSQL's own counters of a prepared statement's plans. The forced mode
is set for that statement alone and never outlives it, not even when it fails; a statement marked but carrying a
bound LIMIT, which a generic plan would have to guess, is planned as before, with a warning."""

from __future__ import annotations

import pytest
from sqlalchemy import literal_column, select, text
from sqlalchemy.exc import DataError

from reviewboard.core.plans import generic_plan
from tests.support.databases import pool_connection
from tests.support.http import login


@pytest.fixture
def postgresql(engine_name):
    if engine_name != "postgresql":
        pytest.skip("plans and their cache are PostgreSQL's; on SQLite generic_plan does nothing")


def _plans(db_session, marker: str) -> dict[str, tuple[int, int]]:
    """Name: (generic plans, custom plans) of this connection's prepared statements whose text contains ``marker``."""
    return {row.name: (row.generic_plans, row.custom_plans) for row in db_session.execute(text(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE :marker"),
        {"marker": f"%{marker}%"})}


def _plan_mode(db_session) -> str:
    return db_session.execute(text("SHOW plan_cache_mode")).scalar()


def test_the_opening_queue_is_planned_once_and_the_mode_is_put_back(postgresql, client, make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    db_session.flush()
    login(client, reviewer)
    for _ in range(8):  # psycopg prepares a statement from its sixth execution on a connection
        response = client.get("/queue")
        assert response.status_code == 200
        assert stage.project.name in response.get_data(as_text=True)
    opening = _plans(db_session, "page_count_")
    assert len(opening) == 1, opening
    [(generic, custom)] = opening.values()
    assert generic >= 2 and custom == 0, opening  # without the mark PostgreSQL planned it anew each time (custom)
    assert _plan_mode(db_session) == "auto"  # nothing after the queue's statement is forced
    # another shape of the queue is not: "signed by me", whose generic plan was 30 times slower at 1,000,000 projects
    for _ in range(8):
        assert client.get("/queue?status=signed").status_code == 200
    signed = {name: plans for name, plans in _plans(db_session, "page_count_").items() if name not in opening}
    assert len(signed) == 1, signed
    [(generic, custom)] = signed.values()
    assert generic == 0 and custom >= 2, signed


def test_a_marked_statement_with_a_bound_limit_is_planned_as_before_with_a_warning(postgresql, db_session):
    stmt = generic_plan(select(literal_column("1").label("one"))).limit(5)
    with pytest.warns(RuntimeWarning, match="LIMIT or OFFSET is a bound parameter"):
        assert db_session.execute(stmt).all() == [(1,)]
    assert _plan_mode(db_session) == "auto"


def test_a_failed_statement_leaves_no_forced_mode_on_its_pooled_connection(postgresql, app):
    """A GET's reads run outside a transaction (extensions.configure_postgresql), so a SET made there stays with the
    connection: when the statement fails between the SET and the RESET, the connection is put back as it was when
    it returns to the pool."""
    connection = pool_connection(app, "GET")
    pid = connection.connection.dbapi_connection.info.backend_pid
    with pytest.raises(DataError, match="division by zero"):
        connection.execute(generic_plan(select(literal_column('1 / (SELECT count(*) - count(*) FROM "user")'))))
    assert connection.connection.dbapi_connection.execute("SHOW plan_cache_mode").fetchone()[0] == \
        "force_generic_plan"  # the statement failed after the SET (what the pool's return must undo)
    connection.close()
    again = pool_connection(app, "GET")
    try:
        assert again.connection.dbapi_connection.info.backend_pid == pid  # the same connection
        assert again.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
    finally:
        again.close()
