"""The probes a load balancer or an orchestrator calls, and the access log, in-process on both engines.

``/healthz`` says the process answers, without the database; ``/readyz`` says it can serve, naming each check
and the one that fails with a 503. Both are anonymous and set no cookie.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from reviewboard.core.security import JsonLineFormatter
from reviewboard.jobs.models import DONE, FAILED, PENDING, RUNNING, Job
from reviewboard.models.base import utcnow
from tests.conftest import make_app
from tests.support.http import login
from tests.support.live_server import free_port


def _ready(client):
    response = client.get("/readyz")
    return response.status_code, response.get_json()


def test_healthz_answers_anonymously_without_a_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_lists_each_check_when_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok",
                                                                 "signing_key": "ok", "jobs": "ok"}}
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_naming_the_signing_key_when_it_is_missing(client, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "SIGNING_KEY_PATH", str(tmp_path / "gone.pem"))
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "not ready" and body["failing"] == ["signing_key"]
    assert body["checks"]["database"] == "ok" and body["checks"]["signing_key"] == "missing"
    assert str(tmp_path) not in json.dumps(body)  # paths go to the server log, not to anonymous callers


def test_readyz_is_503_naming_the_audit_key_when_it_is_missing(client, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "AUDIT_MAC_KEY_PATH", str(tmp_path / "gone.key"))
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["signing_key"]


def test_readyz_is_503_when_the_schema_is_not_at_the_migrations_head(client, app, db_session):
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    (head,) = scripts.get_heads()
    previous = scripts.get_revision(head).down_revision
    db_session.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": previous})
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == "not at head"
    db_session.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": head})
    assert _ready(client)[0] == 200


def _job(db_session, key: str, status: str, minutes_ago: int) -> Job:
    at = utcnow() - timedelta(minutes=minutes_ago)
    job = Job(kind="test.readyz", key=key, payload={}, status=status, created_at=at, run_after=at,
              claimed_at=at if status == RUNNING else None)
    db_session.add(job)
    db_session.flush()
    return job


def test_readyz_stays_200_but_degraded_when_jobs_wait_longer_than_the_threshold(client, app, db_session, monkeypatch):
    """A stuck queue is the workers' problem: the web server still serves, so a load balancer keeps it."""
    monkeypatch.setitem(app.config, "JOB_STUCK_AFTER", timedelta(minutes=10))
    _job(db_session, "due just now", PENDING, 1)
    _job(db_session, "failed: waits for a person, not for a worker", FAILED, 60)
    _job(db_session, "finished", DONE, 60)
    assert _ready(client) == (200, {"status": "ready", "checks": {"database": "ok", "migrations": "ok",
                                                                  "signing_key": "ok", "jobs": "ok"}})

    _job(db_session, "nobody took it", PENDING, 25)
    status, body = _ready(client)
    assert status == 200 and body["status"] == "degraded" and body["degraded"] == ["jobs"]
    assert body["checks"]["jobs"] == "1 stuck (the oldest for 25 min)"

    _job(db_session, "its worker hangs", RUNNING, 40)
    status, body = _ready(client)
    assert status == 200 and body["checks"]["jobs"] == "2 stuck (the oldest for 40 min)"

    monkeypatch.setitem(app.config, "JOB_STUCK_AFTER", timedelta(hours=1))  # the threshold is a setting
    assert _ready(client)[1]["status"] == "ready"


def test_readyz_is_503_and_names_the_degraded_jobs_too_when_a_check_fails(client, app, db_session, monkeypatch,
                                                                           tmp_path):
    _job(db_session, "nobody took it", PENDING, 25)
    monkeypatch.setitem(app.config, "SIGNING_KEY_PATH", str(tmp_path / "gone.pem"))
    status, body = _ready(client)
    assert status == 503 and body["status"] == "not ready" and body["failing"] == ["signing_key"]
    assert body["checks"]["jobs"].startswith("1 stuck")


def test_readyz_checks_the_configured_redis(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    status, body = _ready(client)
    assert status == 503 and body["failing"] == ["redis"]
    assert body["checks"]["redis"] == "unreachable"


def test_readyz_reports_redis_ready_when_it_answers(client, app, monkeypatch):
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")
    status, body = _ready(client)
    assert status == 200 and body["checks"]["redis"] == "ok"


def test_healthz_stays_up_when_the_database_is_down_and_readyz_says_so(tmp_path, signing_dir):
    app = make_app(f"postgresql://reviewboard@127.0.0.1:{free_port()}/nowhere", tmp_path, signing_dir)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    status, body = _ready(client)
    assert status == 503
    assert "database" in body["failing"] and body["checks"]["signing_key"] == "ok"


def _access_lines(caplog) -> list[dict]:
    formatter = JsonLineFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "reviewboard.access"]


def test_each_request_writes_one_json_access_line_with_its_request_id(client, make, caplog):
    caplog.set_level(logging.INFO, logger="reviewboard.access")
    # no trusted proxy by default: a client cannot choose the address that logs and rate limits see
    response = client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    (line,) = _access_lines(caplog)
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["path"], line["status"], line["address"]) == ("GET", "/healthz", 200, "127.0.0.1")
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "user" not in line

    reviewer = make.user("reviewer")
    login(client, reviewer)
    caplog.clear()
    response = client.get("/no-such-page")
    (line,) = _access_lines(caplog)
    assert (line["status"], line["user"]) == (404, reviewer.id)
    assert line["request_id"] == response.headers["X-Request-Id"]


def test_a_negative_number_of_trusted_proxies_stops_the_start(tmp_path, signing_dir):
    from reviewboard import ConfigurationError

    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, TRUSTED_PROXIES=-1)
