"""PostgreSQL helpers for the test suite: a database of our own, created and dropped per session."""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from pathlib import Path

PG_HOST = os.environ.get("REVIEWBOARD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def postgres_url(dbname: str) -> str:
    return f"{PG_HOST.replace('postgresql://', 'postgresql+psycopg://', 1)}/{dbname}"


@functools.cache
def postgres_available() -> bool:
    if os.environ.get("REVIEWBOARD_TEST_SQLITE_ONLY"):
        return False
    try:
        import psycopg

        with psycopg.connect(f"{PG_HOST}/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def _admin():
    import psycopg

    return psycopg.connect(f"{PG_HOST}/postgres", autocommit=True)


def create_pg_database(dbname: str) -> None:
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')


def drop_pg_database(dbname: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@contextlib.contextmanager
def fresh_database(engine: str, directory, prefix: str):
    """Yield the URL of a new, empty database for ``engine`` (a SQLite file in ``directory`` or a new
    PostgreSQL database), and drop it afterwards. Used where tests need real commits from several
    connections (browser, concurrency, migrations, benchmarks)."""
    if engine == "sqlite":
        yield f"sqlite:///{Path(directory) / (prefix + '.db')}"
        return
    name = f"rb_{prefix}_{uuid.uuid4().hex[:10]}"
    create_pg_database(name)
    try:
        yield postgres_url(name)
    finally:
        drop_pg_database(name)


def pool_connection(app, method: str):
    """A connection of the app's own pool (not the test's bound session), checked out as a request with ``method``
    gets one: on PostgreSQL a GET's reads then run outside a transaction (extensions.configure_postgresql)."""
    from reviewboard.extensions import db, write_intent

    with app.test_request_context("/", method=method):
        write_intent.set(method not in ("GET", "HEAD", "OPTIONS"))
        try:
            return db.engine.connect()
        finally:
            write_intent.set(True)
