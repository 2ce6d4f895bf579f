"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

import functools
import re
import warnings
from contextvars import ContextVar

import psycopg
from flask import Flask, current_app, has_request_context, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from reviewboard.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
# One limiter per process: init_app() points it at the app's RATELIMIT_STORAGE_URI (memory, or Redis shared
# by several app servers). A second create_app() in the same process re-points it, so tests that need
# other storage run their apps as separate processes (tests/functional/test_rate_limit_redis.py).
class _Limiter(Limiter):
    """Flask-Limiter's before-request hook checks the limits that cover every request of the app or of a blueprint
    (default, application and meta limits; the API's per-token limit); a route's own limits are checked by its
    decorator whatever the hook did. Most requests fall under none of the former, and working that out per
    request cost a third of /healthz's hooks: it is worked out once per blueprint, at its first request (every
    limit is declared by then: at import, or in the factory) and again after init_app (another app's config)."""

    def init_app(self, app: Flask) -> None:
        self._covered: dict[str | None, bool] = {}
        super().init_app(app)

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and callable_name is None and not self._covers(request.blueprint):
            return
        super()._check_request_limit(callable_name=callable_name, in_middleware=in_middleware)

    def _covers(self, blueprint: str | None) -> bool:
        covered = self._covered.get(blueprint)
        if covered is None:
            manager = self.limit_manager
            covered = self._covered[blueprint] = bool(
                manager.application_limits or manager.default_limits or self._meta_limits
                or self._in_memory_fallback_enabled
                or (blueprint and set(blueprint.split(".")) & set(manager._blueprint_limits)))
        return covered


limiter = _Limiter(key_func=get_remote_address, default_limits=[])


def _signed_in_user() -> str:
    return f"user:{current_user.get_id()}"


def per_user_limit(setting: str):
    """Limit a route's POSTs per signed-in user (anti-automation, ASVS 2.4.1) to the value of the config
    ``setting``, such as "30 per hour"; over it the user gets the 429 page. Anonymous requests are left
    to ``login_required``."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"], key_func=_signed_in_user,
                         exempt_when=lambda: not current_user.is_authenticated)

# Whether the current unit of work may write. GET/HEAD requests clear it so that SQLite readers
# do not take the write lock; everything else (POSTs, CLI commands) starts with BEGIN IMMEDIATE.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


# What a statement must not do outside a transaction even though it is a SELECT: take a row lock, take an advisory
# lock or call another of PostgreSQL's functions with effects (pg_*, set_config, sequences).
_NOT_A_PLAIN_READ = re.compile(r"\bFOR\s+(?:UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|\bpg_\w+\s*\(|\bset_config\b"
                               r"|\b(?:nextval|setval)\b", re.IGNORECASE)


_IDLE = psycopg.pq.TransactionStatus.IDLE
_READS_ONLY = "reviewboard.reads_only"  # in the pool record's info: autocommit set by the hooks below


def _plain_read(cursor, statement: str, context) -> bool:
    """A SELECT built by SQLAlchemy that locks nothing, changes nothing and needs no server-side cursor."""
    compiled = context.compiled if context is not None else None
    return (compiled is not None and not context.is_text and compiled.statement.is_select
            and not isinstance(cursor, psycopg.ServerCursor) and _locks_nothing(statement))


@functools.lru_cache(maxsize=1024)
def _locks_nothing(statement: str) -> bool:
    """Answered once per statement text: a compiled statement is sent as the same string each time, and the search
    costs 50-150 us on the signed-in person's statement (900 characters), more than the rest of these hooks."""
    return _NOT_A_PLAIN_READ.search(statement) is None


# An execution option: plan the statement once per connection (core/plans.py says when, and why its LIMIT and
# OFFSET must be written into it)
GENERIC_PLAN = "reviewboard_generic_plan"
_PLAN_FORCED = "reviewboard.plan_forced"  # in the pool record's info: this connection's plan_cache_mode is forced
_BOUND_LIMIT = re.compile(r"\b(?:LIMIT|OFFSET)\s+%\(", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _limit_is_bound(statement: str) -> bool:
    return _BOUND_LIMIT.search(statement) is not None


def configure_postgresql(engine: Engine) -> None:
    """No parallel query workers for the app's connections: its queries read a page through an index and stop,
    and launching workers cost more than the work (the queue's bounded count at 1,000,000 projects: 26 ms with
    two workers, 5.7 ms without; bench/http.py). Set in the connection's startup options: no extra round trip.

    A unit of work that means only to read (a GET request; ``write_intent`` cleared) begins its transaction at its
    first statement that is not a plain read, not at its first statement: a page that only reads then sends no
    BEGIN and no COMMIT (two round trips of its five or so). Its reads see what they would have seen inside the
    transaction (READ COMMITTED: each statement takes its own snapshot), and from its first write, lock or
    server-side cursor on it behaves as before: one transaction that the request's boundary commits or rolls back.
    """

    @event.listens_for(engine, "do_connect")
    def _no_parallel_workers(_dialect, _record, _cargs, cparams):
        cparams["options"] = f"{cparams.get('options', '')} -c max_parallel_workers_per_gather=0".strip()

    @event.listens_for(engine, "checkout")
    def _reads_without_transaction(dbapi_connection, record, _proxy):
        # only within a request: a job's read step or a streamed export's rows after the request keep their
        # transaction (and so does a test's own connection, whatever the last request left in write_intent)
        # the reads' equivalence holds under READ COMMITTED only: a stricter level keeps its snapshot from BEGIN
        reads_only = (has_request_context() and not write_intent.get()
                      and engine.dialect.default_isolation_level == "READ COMMITTED")
        if dbapi_connection.autocommit != reads_only and dbapi_connection.pgconn.transaction_status == _IDLE:
            dbapi_connection.autocommit = reads_only
        record.info[_READS_ONLY] = reads_only and dbapi_connection.autocommit

    @event.listens_for(engine, "before_cursor_execute")
    def _transaction_from_first_write(conn, cursor, statement, _parameters, context, _executemany):
        # only the autocommit this module set: a connection asked for AUTOCOMMIT (VACUUM, CREATE DATABASE) keeps it
        if (conn.info.get(_READS_ONLY) and not _plain_read(cursor, statement, context)
                and conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"):
            conn.info[_READS_ONLY] = False
            conn.connection.dbapi_connection.autocommit = False  # psycopg sends BEGIN before this statement

    # after the hook above: the SET goes where the statement goes (in its transaction, or outside one)
    @event.listens_for(engine, "before_cursor_execute")
    def _force_generic_plan(conn, cursor, statement, _parameters, context, _executemany):
        if context is None or not context.execution_options.get(GENERIC_PLAN):
            return
        if _limit_is_bound(statement):  # a generic plan would guess the limit: 1.5 s for the queue at 1M projects
            warnings.warn(f"not planned generically: its LIMIT or OFFSET is a bound parameter: {statement[:120]}",
                          RuntimeWarning, stacklevel=1)
            return
        cursor.connection.execute(_SET_GENERIC)
        conn.info[_PLAN_FORCED] = True

    @event.listens_for(engine, "after_cursor_execute")
    def _plan_as_before(conn, cursor, _statement, _parameters, _context, _executemany):
        if conn.info.get(_PLAN_FORCED):
            cursor.connection.execute(_RESET_PLAN)
            del conn.info[_PLAN_FORCED]

    @event.listens_for(engine, "checkin")
    def _plan_reset_after_error(dbapi_connection, record):
        # the statement failed between the SET and the RESET: a rolled-back transaction took the SET with it, a SET
        # made outside one is still there
        if record is not None and record.info.pop(_PLAN_FORCED, False):
            try:
                dbapi_connection.execute(_RESET_PLAN)
            except psycopg.Error:
                record.invalidate()


_SET_GENERIC = "SET plan_cache_mode = force_generic_plan"
_RESET_PLAN = "RESET plan_cache_mode"


def configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys and BEGIN IMMEDIATE for writers (SQLAlchemy's pysqlite recipe).

    A deferred BEGIN that later upgrades to a write fails at once with "database is locked" whatever
    the busy timeout; taking the write lock at BEGIN makes writers queue instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
