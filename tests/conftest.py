"""Shared fixtures: one app and schema per database engine per session; each test undone at its end.

Every test that uses ``app``/``db_session``/``client`` runs once on SQLite and once on PostgreSQL
(when PostgreSQL is reachable on 127.0.0.1:5432; otherwise the run says it used SQLite alone).
Each test runs inside an outer transaction that is rolled back at its end; the app's own commits
become savepoint releases inside it. A module may build a world once (``world_connection``,
``shared_session``) that its tests share, each in a savepoint rolled back after it.

What keeps the suite fast without testing less: passwords are hashed at argon2's lowest cost
(``CHEAP_PASSWORD_HASHING``; tests/integration/test_startup_config.py asserts production's parameters),
records get placeholder bytes unless a test is marked ``real_records`` (``issued_records``), and
`make test` runs two pytest-xdist workers. Every test still runs on both engines.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.support.databases import create_pg_database, drop_pg_database, postgres_available, postgres_url

ENGINES = ["sqlite"] + (["postgresql"] if postgres_available() else [])


def pytest_report_header(config):
    if "postgresql" in ENGINES:
        return "databases: SQLite and PostgreSQL (127.0.0.1:5432)"
    return "databases: SQLite ONLY - PostgreSQL is not reachable on 127.0.0.1:5432"


def pytest_terminal_summary(terminalreporter):
    if "postgresql" not in ENGINES:
        terminalreporter.write_line("NOTE: PostgreSQL was not reachable: this run used SQLite alone.", yellow=True)
    else:
        terminalreporter.write_line("Database engines exercised: SQLite and PostgreSQL.")


# Under pytest-xdist (`make test` runs two workers, --dist loadgroup) each group's tests share one worker:
# the browser tests one Chromium and one artifacts folder per engine, the semgrep tests one semgrep run, the
# single sign-on tests one OpenID provider.
XDIST_GROUPS = {"tests/browser/": "browser", "tests/security/test_semgrep_rules.py": "semgrep",
               "tests/functional/test_sso.py": "sso"}  # one OpenID provider process (tests/support/oidc)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::")[0]
        group = next((g for prefix, g in XDIST_GROUPS.items() if path.startswith(prefix)), None)
        if group == "browser":
            # one group per engine: each has its own live server and artifacts folder, so the two engines'
            # browser tests can run on two workers at once (each worker starts its own Chromium)
            params = getattr(getattr(item, "callspec", None), "params", {})
            group = f"browser-{params.get('live_server', 'none')}"
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_configure(config):
    # the .mo files are built from the .po files in git (`make install`); compile any missing or stale one here,
    # so that a run never reads old translations
    from reviewboard.i18n.languages import compile_catalogs

    compile_catalogs()
    # The suite allocates a great many short-lived objects (ORM rows, test clients, WeasyPrint boxes) and few cycles:
    # with Python's default (a collection every 700 net allocations) tests/functional and tests/integration took
    # 141 s on two workers, with this 131 s. Collections still run, less often; what a test collects on purpose it
    # collects with gc.collect(). The modules and test items alive after collection are frozen out of every collection.
    gc.set_threshold(100_000, 50, 100)


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory) -> Path:
    from reviewboard.audit.anchors import init_mac_key
    from reviewboard.records.keys import init_keys

    directory = tmp_path_factory.mktemp("keys")
    init_keys(directory, "Test Organisation")
    init_mac_key(directory / "audit-mac.key")
    return directory


# argon2id at its lowest cost: at production cost every test user would add 0.15-0.2 s. Stored hashes carry
# their parameters, so sign-in and signing verify them as production does.
CHEAP_PASSWORD_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_COST": 8}


def make_app(database_url: str, instance: Path, signing_dir: Path, **extra):
    from reviewboard import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ORGANISATION_NAME": "Test Organisation",
        "SIGNING_KEY_PATH": str(signing_dir / "signing-key.pem"),
        "SIGNING_CERT_PATH": str(signing_dir / "signing-cert.pem"),
        "AUDIT_MAC_KEY_PATH": str(signing_dir / "audit-mac.key"),
        # limits stay on but out of the way; tests of the limits set the production values
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
        "PROJECT_CREATION_LIMIT": "100000 per minute",
        "VERIFY_LIMIT_PER_ADDRESS": "100000 per minute",
        "MFA_CODE_LIMIT_PER_ACCOUNT": "100000 per minute",
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": "100000 per minute",
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "100000 per minute",
        # Two-step verification is optional for everyone here, so that the suite's chairs sign in with a password
        # as before; the tests of the policy (tests/*/test_mfa*.py) set production's default ("chair",).
        "MFA_REQUIRED_ROLES": (),
        # in-process apps count in memory even when REDIS_URL is set (test_rate_limit_redis.py runs servers)
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # a checkpoint costs a key load and a signature; tests of the interval set their own
        "AUDIT_CHECKPOINT_INTERVAL": timedelta(hours=24),
        # The deciding signature enqueues its record job (jobs/outbox.py). Here the job runs at once, inside the
        # enqueuing transaction, through the same claim/prepare/store steps a worker takes (like RQ's
        # is_async=False): most tests build a decided stage with Factory.sign and read its record in the same
        # transaction, which is rolled back at the test's end and never commits for a worker to see. The tests
        # of the queue itself (tests/integration/test_jobs.py, tests/concurrency/test_jobs.py) set "outbox"
        # and run the worker.
        "JOBS_MODE": "inline",
    }
    if extra.get("REVIEWBOARD_ENV") != "production":  # production refuses it (test_startup_config.py)
        config.update(CHEAP_PASSWORD_HASHING)
    config.update(extra)
    os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(instance)
    return create_app(config)


def prepare_schema(app) -> None:
    """Migrate to head and load the shipped catalog and default pipeline (committed baseline)."""
    from flask_migrate import upgrade

    from reviewboard.catalogs.schema import default_catalog_path
    from reviewboard.catalogs.services import import_catalog_file
    from reviewboard.extensions import db
    from reviewboard.pipelines.services import ensure_default_pipeline

    with app.app_context():
        upgrade()
        import_catalog_file(None, default_catalog_path())
        ensure_default_pipeline()
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(engine_name, tmp_path_factory, signing_dir):
    instance = tmp_path_factory.mktemp(f"instance-{engine_name}")
    if engine_name == "sqlite":
        url = f"sqlite:///{instance / 'test.db'}"
        dbname = None
    else:
        dbname = f"rb_test_{uuid.uuid4().hex[:10]}"
        create_pg_database(dbname)
        url = postgres_url(dbname)
    application = make_app(url, instance, signing_dir)
    prepare_schema(application)
    yield application
    with application.app_context():
        from reviewboard.extensions import db

        db.session.remove()
        db.engine.dispose()
    if dbname:
        drop_pg_database(dbname)


def _bound_session_class():
    from flask_sqlalchemy.session import Session

    class BoundSession(Session):
        """Flask-SQLAlchemy picks engines per table and ignores ``bind``; tests pin one connection."""

        def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
            return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)

    return BoundSession


@contextlib.contextmanager
def _session_on(connection):
    """``db.session`` bound to ``connection``: the app's commits become savepoint releases inside its transaction."""
    from reviewboard.extensions import db

    original = db.session
    db.session = db._make_scoped_session({"bind": connection, "join_transaction_mode": "create_savepoint",
                                             "class_": _bound_session_class()})
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original


@pytest.fixture(scope="module")
def world_connection(app):
    """A connection whose transaction lasts for the module, rolled back at its end: a module-scoped fixture
    builds a world on it once (see ``shared_session``) and each test that uses it runs in a savepoint inside."""
    from reviewboard.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()
            connection.close()


@contextlib.contextmanager
def shared_session(app, world_connection, real_records: bool = False):
    """A session for building a module's world on ``world_connection``; what it commits stays until the module
    ends. Records are placeholders here too (module fixtures run outside the per-test stub), unless
    ``real_records`` asks for rendered and signed ones."""
    from tests.support.records import stub_records

    with app.app_context(), _session_on(world_connection) as session, pytest.MonkeyPatch.context() as patch:
        if not real_records:
            stub_records(patch)
        yield session
        session.commit()


def cli_runner(app):
    """``invoke(*args, input=None)`` runs a ``reviewboard`` command in-process (exceptions propagate)."""
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def demo_world(app, world_connection) -> str:
    """``reviewboard demo`` run once per engine for the module that asks, with real signed records; each test
    of that module runs in a savepoint inside it. Returns the command's output (the demo's sign-ins)."""
    with shared_session(app, world_connection, real_records=True):
        result = cli_runner(app)("demo", "--without-certificates")
        assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture()
def db_session(request, app):
    """An app context whose session runs inside a transaction rolled back after the test: a connection's own,
    or a savepoint inside ``world_connection``'s when the test's fixtures build on a shared world."""
    from reviewboard.extensions import db

    with app.app_context():
        shared = "world_connection" in request.fixturenames
        connection = request.getfixturevalue("world_connection") if shared else db.engine.connect()
        transaction = connection.begin_nested() if shared else connection.begin()
        try:
            with _session_on(connection) as session:
                yield session
        finally:
            if transaction.is_active:
                transaction.rollback()
            if not shared:
                connection.close()


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context and ``g`` as in production,
    not the test's (Flask reuses a pushed app context otherwise). A streamed body (a CSV export) is read
    within that context too, as a WSGI server reads it in the request's thread."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture()
def client(app, db_session):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture(autouse=True)
def issued_records(request, monkeypatch) -> list[dict]:
    """Records are issued with placeholder bytes (tests/support/records.py) unless the test is marked
    ``real_records``; the list holds each placeholder record's data. Tests of the PDF, its signature,
    timestamp or verification carry the marker."""
    if request.node.get_closest_marker("real_records"):
        return []
    from tests.support.records import stub_records

    return stub_records(monkeypatch)


@pytest.fixture()
def smtp_server(app, monkeypatch):
    """A real SMTP server on a free port, the app's SMTP settings pointing at it (tests/support/smtp.py)."""
    from tests.support.smtp import running_smtp_server

    with running_smtp_server(app, monkeypatch) as inbox:
        yield inbox


@pytest.fixture()
def make(db_session):
    from tests.support.factories import Factory

    return Factory(db_session)
