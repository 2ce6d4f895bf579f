"""Probes for a load balancer or an orchestrator: ``/healthz`` (the process answers) and ``/readyz`` (it can serve).

Both are anonymous JSON, set no cookie, and are exempt from rate limits. ``/healthz`` touches nothing but the
process, so a database outage does not get every app server restarted; ``/readyz`` names each check and
answers 503 when one fails: the database answers, Redis answers when one is configured, the signing key and
the audit-chain key load, and the schema is at the migrations' head. A failing check's detail goes to the
server log, not to the anonymous caller.

Some checks only *degrade*: ``jobs`` says when records or digests have waited longer than JOB_STUCK_AFTER
(no worker runs, or every worker is stuck). The answer stays 200 with ``"status": "degraded"``: this server
serves pages perfectly well, and a load balancer that took every app server out because the workers are
down would turn a delay of records into an outage of the whole site.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text

from reviewboard.audit.anchors import mac_key
from reviewboard.extensions import csrf, db, limiter
from reviewboard.jobs.outbox import stuck_jobs
from reviewboard.models.base import utcnow
from reviewboard.records import keys

bp = Blueprint("ops", __name__)
log = logging.getLogger("reviewboard.health")

PROBE_TIMEOUT_SECONDS = 2


class NotReady(Exception):
    """A readiness check failed; the message is what the anonymous caller reads."""


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    checks: dict[str, str] = {}
    failing = _run(readiness_checks(), checks)
    degraded = _run(degrading_checks(), checks)
    if failing:
        log.warning("not ready: %s", ", ".join(failing))
        return _no_store(jsonify(status="not ready", failing=failing, checks=checks)), 503
    if degraded:
        log.warning("ready, degraded: %s", ", ".join(degraded))
        return _no_store(jsonify(status="degraded", degraded=degraded, checks=checks))
    return _no_store(jsonify(status="ready", checks=checks))


def _run(named_checks: dict[str, Callable[[], None]], checks: dict[str, str]) -> list[str]:
    """Run each check, noting its answer in ``checks``; returns the names of those that did not pass."""
    failed = []
    for name, check in named_checks.items():
        try:
            check()
            checks[name] = "ok"
        except NotReady as exc:
            checks[name] = str(exc)
            failed.append(name)
        except Exception:
            log.exception("readiness check %s failed", name)
            checks[name] = "failed"
            failed.append(name)
    return failed


for _view in (healthz, readyz):
    csrf.exempt(_view)
    limiter.exempt(_view)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks = {"database": check_database, "migrations": check_migrations, "signing_key": check_signing_key}
    if redis_urls():
        checks["redis"] = check_redis
    return checks


def degrading_checks() -> dict[str, Callable[[], None]]:
    """Checks whose failure answers 200 "degraded", not 503 (see the module's docstring)."""
    return {"jobs": check_jobs}


def check_jobs() -> None:
    """No job has waited longer than JOB_STUCK_AFTER: pending and due that long ago (no worker took it), or
    claimed that long ago and not finished (its worker hangs). Failed jobs are not counted: they wait for a
    person (the stage page says so; `reviewboard jobs retry`)."""
    stuck = stuck_jobs(current_app.config["JOB_STUCK_AFTER"])
    if stuck:
        minutes = max(1, int((utcnow() - min(since for _, since in stuck)).total_seconds() // 60))
        log.warning("jobs waiting longer than %s: %s", current_app.config["JOB_STUCK_AFTER"],
                    ", ".join(str(job_id) for job_id, _ in stuck))
        raise NotReady(f"{len(stuck)} stuck (the oldest for {minutes} min)")


def check_database() -> None:
    db.session.execute(text("SELECT 1"))


def check_migrations() -> None:
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    expected = _migration_heads(current_app.extensions["migrate"].directory)
    if current != expected:
        log.warning("schema at %s, the code expects %s: run `reviewboard db upgrade`",
                    sorted(current) or "no revision", sorted(expected))
        raise NotReady("not at head")


@lru_cache(maxsize=4)
def _migration_heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def check_signing_key() -> None:
    """The record-sealing key and certificate load (once per change of the files: loading costs ~0.2 s),
    and the audit chain's HMAC key is there."""
    cfg = current_app.config
    settings = ("SIGNING_PKCS12_PATH",) if cfg.get("SIGNING_PKCS12_PATH") else ("SIGNING_KEY_PATH",
                                                                                 "SIGNING_CERT_PATH")
    files = tuple(keys.instance_path(cfg[s]) for s in settings)
    missing = [path for path in files if not path.is_file()]
    if missing:
        log.warning("signing key missing: %s", ", ".join(map(str, missing)))
        raise NotReady("missing")
    _signer_loads(tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files),
                  cfg.get("SIGNING_PKCS12_PASSWORD"))
    if mac_key() is None:
        log.warning("audit-chain key missing: %s", cfg["AUDIT_MAC_KEY_PATH"])
        raise NotReady("audit-chain key missing")


@lru_cache(maxsize=4)
def _signer_loads(_files: tuple, _password: str | None) -> bool:
    """Load the signer; the arguments only key the cache (a replaced file loads again)."""
    keys.current_signer()
    return True


def redis_urls() -> list[str]:
    """The Redis servers this app relies on: REDIS_URL's (the rate-limit counters, and any other setting
    named REDIS_URL)."""
    cfg = current_app.config
    candidates = (cfg.get("REDIS_URL"), cfg.get("RATELIMIT_STORAGE_URI"))
    return sorted({url for url in candidates if url and url.startswith(("redis://", "rediss://", "unix://"))})


def check_redis() -> None:
    for url in redis_urls():
        client = Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_SECONDS,
                                socket_connect_timeout=PROBE_TIMEOUT_SECONDS)
        try:
            client.ping()
        except RedisError as exc:
            log.warning("redis unreachable: %s", exc)
            raise NotReady("unreachable") from None
        finally:
            client.close()

