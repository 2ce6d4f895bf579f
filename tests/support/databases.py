"""PostgreSQL helpers for the test suite: a database of our own, created and dropped per session."""

from __future__ import annotations

import functools
import os

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
