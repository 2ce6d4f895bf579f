"""A request that means only to read (GET) reads as such from its first statement, the user loader's included; on
PostgreSQL it sends no BEGIN and no COMMIT until it writes, locks or streams, and from then on it is one transaction
as before, which the request's boundary commits or rolls back."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select, text

from reviewboard.auth.models import User
from reviewboard.extensions import db, write_intent
from tests.support.databases import pool_connection
from tests.support.http import login, token_for
from tests.support.statements import statements_sent


def _intent_per_statement(db_session, run) -> list[bool]:
    with statements_sent(db_session, lambda _statement: write_intent.get()) as seen:
        run()
    return seen


def test_a_get_reads_without_write_intent_from_the_user_load_on_and_a_post_with_it(client, make, db_session):
    """SQLite: a GET's statements (the person's load first of all) never take the write lock; a POST's do."""
    login(client, make.user("chair"))
    reads = _intent_per_statement(db_session, lambda: client.get("/projects"))
    assert reads and not any(reads)
    assert write_intent.get() is True  # the default again after the request: later work may write
    token = token_for(client, "/projects")
    writes = _intent_per_statement(db_session, lambda: client.post("/logout", data={"csrf_token": token}))
    assert writes and all(writes)


@pytest.fixture
def postgresql_connection(app, engine_name):
    """A connection of the app's own pool, as a request gets one (not the test's bound session)."""
    if engine_name != "postgresql":
        pytest.skip("transactions begun at the first write are psycopg's autocommit; SQLite keeps BEGIN (deferred)")

    return functools.partial(pool_connection, app)


def _in_transaction(connection) -> bool:
    import psycopg

    return connection.connection.dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def test_a_get_reads_outside_a_transaction_until_it_locks_a_row(postgresql_connection):
    connection = postgresql_connection("GET")
    try:
        connection.execute(select(User.id).limit(1)).all()
        connection.execute(select(User.id).where(User.email == "nobody@example.org")).all()
        assert not _in_transaction(connection)  # no BEGIN was sent
        connection.execute(select(User.id).limit(1).with_for_update()).all()
        assert _in_transaction(connection)  # the lock is held until the boundary commits or rolls back
        connection.rollback()
        assert not _in_transaction(connection)
    finally:
        connection.close()


@pytest.mark.parametrize("statement", [
    "SELECT pg_advisory_xact_lock(4242)",  # the audit chain's lock: a SELECT, written as text
    "SELECT 1",  # any text statement: SQLAlchemy cannot tell what it does
])
def test_a_get_begins_its_transaction_at_a_statement_that_is_not_a_plain_read(postgresql_connection, statement):
    connection = postgresql_connection("GET")
    try:
        connection.execute(text(statement)).all()
        assert _in_transaction(connection)
        connection.rollback()
    finally:
        connection.close()


def test_a_write_in_a_get_is_undone_by_the_rollback_of_a_refused_request(postgresql_connection):
    connection = postgresql_connection("GET")
    try:
        connection.execute(select(User.id).limit(1)).all()
        connection.execute(text("CREATE TEMPORARY TABLE read_only_probe (n integer)"))
        connection.execute(text("INSERT INTO read_only_probe VALUES (1)"))
        connection.rollback()
        assert connection.execute(text("SELECT to_regclass('pg_temp.read_only_probe')")).scalar() is None
        connection.rollback()
    finally:
        connection.close()


def test_a_post_and_work_outside_a_request_begin_at_their_first_statement(app, postgresql_connection):
    connection = postgresql_connection("POST")
    try:
        connection.execute(select(User.id).limit(1)).all()
        assert _in_transaction(connection)
        connection.rollback()
    finally:
        connection.close()
    write_intent.set(False)  # as a job's read step or a streamed export leaves it: still a transaction outside
    try:
        with app.app_context(), db.engine.connect() as outside:
            outside.execute(select(User.id).limit(1)).all()
            assert _in_transaction(outside)
            outside.rollback()
    finally:
        write_intent.set(True)


@pytest.mark.parametrize("method", ["GET", None])
def test_a_connection_asked_for_autocommit_keeps_it_for_statements_that_cannot_run_in_a_transaction(
        app, postgresql_connection, method):
    """VACUUM (the bench's seeding, an operator's maintenance script) needs AUTOCOMMIT: the hook that begins a GET's
    transaction at its first write leaves a connection that asked for AUTOCOMMIT alone, in a GET or outside one."""
    if method is None:
        with app.app_context():
            connection = db.engine.connect()
    else:
        connection = postgresql_connection(method)
    try:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE audit_checkpoint"))
        assert not _in_transaction(connection)
    finally:
        connection.close()


def test_under_a_stricter_isolation_level_a_get_keeps_its_transaction_from_its_first_read(app, postgresql_connection):
    """REPEATABLE READ or SERIALIZABLE (SQLALCHEMY_ENGINE_OPTIONS) reads from one snapshot taken at the first
    statement: reads outside the transaction would not be the same, so a GET begins at its first read there."""
    from sqlalchemy import create_engine

    from reviewboard.extensions import configure_postgresql

    with app.app_context():
        engine = create_engine(db.engine.url, isolation_level="REPEATABLE READ", poolclass=None)
    configure_postgresql(engine)
    try:
        with app.test_request_context("/", method="GET"):
            write_intent.set(False)
            try:
                with engine.connect() as connection:
                    connection.execute(select(User.id).limit(1)).all()
                    assert _in_transaction(connection)
                    connection.rollback()
            finally:
                write_intent.set(True)
    finally:
        engine.dispose()
