"""Scale-out, shown working (issue 11 part 3): two app servers and two job workers, separate processes, on one
PostgreSQL database and one Redis, under a burst of concurrent sign-offs sent through both servers.

PostgreSQL only: this is the production topology (docs/deploy/). SQLite serves one machine; its multi-process
safety is tested elsewhere (tests/concurrency/test_races.py, test_crash_recovery.py).

The processes: ``reviewboard serve`` (gunicorn, 2 workers x 4 threads) twice on two free loopback ports,
``reviewboard worker`` (RQ) twice, a private ``redis-server`` (its own port: the queue and the counters are
this test's alone) and a fresh PostgreSQL database. Each of STAGES stages is signed at the same instant by
three reviewers, their requests spread over both servers, with real sign-in and CSRF; the quorum is two, so
every stage's second signature decides it and the third is refused (409). Then: every stage decided exactly
once, one record per stage round, issued by the two workers between them, each record verifies (the verify
page's path and poppler's ``pdfsig``), ``reviewboard audit verify`` passes, and the sign-in limit per account
counts attempts made on either server together.

It prints its figures (wall time, the burst's answer times, records per worker, time to the last record).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.config import Defaults
from reviewboard.extensions import db
from reviewboard.jobs.models import DONE, Job
from reviewboard.records.issuing import KIND
from reviewboard.records.models import Record
from reviewboard.records.services import verify_record_bytes
from reviewboard.reviews.models import SignOff, StageReview
from reviewboard.reviews.workflow import StageState
from tests.concurrency.helpers import at_once
from tests.conftest import make_app, prepare_schema
from tests.support.databases import fresh_database, postgres_available
from tests.support.factories import PASSWORD, Factory
from tests.support.live_server import Server, page_token, sign_in
from tests.support.redis_server import RedisServer

STAGES = int(os.environ.get("RB_SCALE_STAGES", "6"))
SIGNERS_PER_STAGE = 3  # the quorum is 2: one signature per stage is always one too many
REVIEWERS = 4
PER_ACCOUNT = int(Defaults.LOGIN_LIMIT_PER_ACCOUNT.split()[0])  # the production limit: 5 per minute
CLI = str(Path(sys.executable).with_name("reviewboard"))
REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not postgres_available(), reason="the scale-out topology runs on PostgreSQL")]


def _world(app) -> tuple[list[str], dict[int, list[int]], list[int]]:
    """REVIEWERS reviewers and STAGES submitted stages (each its own project and submitter); returns the
    reviewers' emails, each stage's applicable criteria, and the stage ids."""
    with app.app_context():
        make = Factory(db.session)
        reviewers = make.reviewers(REVIEWERS)
        stages = [make.submitted_stage() for _ in range(STAGES)]
        db.session.commit()
        world = ([r.email for r in reviewers], {s.id: [c.id for c in s.applicable_criteria()] for s in stages},
                 [s.id for s in stages])
        db.session.remove()
        return world


def _start_all(servers: list[Server], workers: list[subprocess.Popen], redis_url: str) -> None:
    at_once(*(server.start for server in servers))
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    try:
        deadline = time.time() + 90
        while len(Worker.all(connection=connection)) < len(workers):  # both listening before the burst
            assert all(w.poll() is None for w in workers), "a job worker exited at start"
            assert time.time() < deadline, "the job workers did not start"
            time.sleep(0.1)
    finally:
        connection.close()


def _failed_sign_in(base: str, email: str) -> int:
    http = requests.Session()
    try:
        token = page_token(http.get(base + "/login", timeout=10).text)
        return http.post(base + "/login", data={"email": email, "password": "not the password",
                                                 "csrf_token": token}, allow_redirects=False, timeout=10).status_code
    finally:
        http.close()


def _worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as handle:  # the child keeps its own copy of the handle
        return subprocess.Popen([CLI, "worker"], env=env, cwd=REPO, stdout=subprocess.DEVNULL,  # noqa: S603
                                stderr=handle)


def test_two_servers_and_two_workers_decide_each_stage_once_and_issue_one_verified_record_each(
        tmp_path, signing_dir):
    began = time.monotonic()
    figures: dict[str, object] = {"stages": STAGES, "sign-off POSTs": STAGES * SIGNERS_PER_STAGE}
    with fresh_database("postgresql", tmp_path, "scale") as url, RedisServer(tmp_path) as redis:
        app = make_app(url, tmp_path, signing_dir, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 4})
        prepare_schema(app)
        emails, criteria, stage_ids = _world(app)
        prefix = f"rbscale-{uuid.uuid4().hex[:8]}"
        env = {"REDIS_URL": redis.url, "REVIEWBOARD_RATELIMIT_KEY_PREFIX": prefix,
               # the production per-account limit; every request comes from 127.0.0.1, so not the address one
               "REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": Defaults.LOGIN_LIMIT_PER_ACCOUNT,
               "REVIEWBOARD_ACCESS_LOG": "0"}
        servers = [Server.for_app(app, tmp_path, signing_dir, extra_env=env, name=f"web{i}",
                                  serve_args=["--workers", "2", "--threads", "4"]) for i in range(2)]
        workers = [_worker(servers[0].env, tmp_path / f"worker{i}.log") for i in range(2)]
        try:
            _start_all(servers, workers, redis.url)
            figures["start (s)"] = round(time.monotonic() - began, 1)
            bases = [s.base for s in servers]
            for base in bases:
                ready = requests.get(base + "/readyz", timeout=10)
                assert ready.status_code == 200 and ready.json()["checks"]["redis"] == "ok", ready.text

            # each reviewer signs in on one server; the session cookie and CSRF token serve on both
            sessions = {}
            for i, email in enumerate(emails):
                sessions[email] = sign_in(bases[i % 2], email)
            plan = [(stage_id, emails[(n + k) % REVIEWERS]) for n, stage_id in enumerate(stage_ids)
                    for k in range(SIGNERS_PER_STAGE)]
            for i, (stage_id, email) in enumerate(plan):  # conflict-of-interest declarations, before the burst
                http, token = sessions[email]
                response = http.post(f"{bases[i % 2]}/stages/{stage_id}/declaration",
                                     data={"csrf_token": token, "conflict": "no"}, allow_redirects=False,
                                     timeout=30)
                assert response.status_code == 302, response.text[:500]

            def sign(i: int, stage_id: int, email: str):
                def post():
                    http, token = sessions[email]
                    client = requests.Session()  # one connection per request thread, the reviewer's cookie
                    client.cookies.update(http.cookies)
                    data = {"csrf_token": token, "outcome": "approve", "email": email, "password": PASSWORD,
                            "sign": "Sign decision", **{f"v_{c}": "meets" for c in criteria[stage_id]}}
                    started = time.monotonic()
                    try:
                        response = client.post(f"{bases[i % 2]}/stages/{stage_id}/review", data=data,
                                               allow_redirects=False, timeout=60)
                    finally:
                        client.close()
                    return stage_id, response.status_code, time.monotonic() - started
                return post

            burst_began = time.monotonic()
            answers = at_once(*(sign(i, stage_id, email) for i, (stage_id, email) in enumerate(plan)))
            burst_ended = time.monotonic()
            assert not [a for a in answers if isinstance(a, Exception)], answers
            by_stage = {stage_id: Counter() for stage_id in stage_ids}
            for stage_id, status, _ in answers:
                by_stage[stage_id][status] += 1
            assert all(c == {302: 2, 409: 1} for c in by_stage.values()), by_stage
            seconds = sorted(a[2] for a in answers)
            figures["burst (s)"] = round(burst_ended - burst_began, 2)
            figures["sign-off answer p50 / max (s)"] = (round(statistics.median(seconds), 2), round(seconds[-1], 2))

            with app.app_context():
                deadline = time.time() + 180
                while db.session.scalar(select(func.count()).select_from(Job).where(
                        Job.kind == KIND, Job.status == DONE)) < STAGES:
                    assert time.time() < deadline, f"records not issued: {db.session.execute(select(Job)).all()}"
                    assert all(w.poll() is None for w in workers), "a job worker died"
                    db.session.rollback()
                    time.sleep(0.2)
                issuing_seconds = time.monotonic() - burst_ended
                figures["last record after the burst (s)"] = round(issuing_seconds, 1)
                figures["records per minute (2 workers)"] = round(60 * STAGES / issuing_seconds, 1)
                db.session.remove()
            for base in bases:  # the queue is empty again: nothing stuck, both servers plainly ready
                ready = requests.get(base + "/readyz", timeout=10).json()
                assert ready["status"] == "ready" and ready["checks"]["jobs"] == "ok", ready

            # the per-account sign-in limit counts attempts on both servers together
            email = f"{prefix}@example.test"
            assert [_failed_sign_in(bases[i % 2], email) for i in range(PER_ACCOUNT)] == [200] * PER_ACCOUNT
            assert [_failed_sign_in(base, email) for base in bases] == [429, 429]
        finally:
            for server in servers:
                server.stop()
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    assert worker.wait(30) == 0, "a job worker did not stop cleanly on SIGTERM"
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(10)

        with app.app_context():
            states = Counter(db.session.scalars(select(StageReview.state).where(StageReview.id.in_(stage_ids))))
            assert states == {StageState.APPROVED: STAGES}
            decided = Counter(db.session.scalars(select(AuditEvent.object_id).where(
                AuditEvent.action == "stage.decided", AuditEvent.object_id.in_([str(i) for i in stage_ids]))))
            assert decided == {str(i): 1 for i in stage_ids}
            signoffs = Counter(db.session.scalars(select(SignOff.round_id)))
            assert sorted(signoffs.values()) == [2] * STAGES
            records = db.session.scalars(select(Record).where(Record.stage_review_id.in_(stage_ids))).all()
            assert sorted((r.stage_review_id, r.round_number) for r in records) == [(i, 1) for i in sorted(stage_ids)]
            for record in records:
                verification = verify_record_bytes(record.pdf)
                assert verification.ok and verification.record.id == record.id, verification.reason
                path = tmp_path / f"{record.public_id}.pdf"
                path.write_bytes(record.pdf)
                pdfsig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60)  # noqa: S607
                assert "Signature Validation: Signature is Valid." in pdfsig.stdout, pdfsig.stdout
            issued_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "record.issued"))
            assert issued_events == STAGES
            db.session.remove()
            db.engine.dispose()

        audit = subprocess.run([CLI, "audit", "verify"], env=servers[0].env, capture_output=True, text=True,  # noqa: S603
                               timeout=120)
        assert audit.returncode == 0, audit.stdout + audit.stderr

        done = Counter()
        for i in range(2):
            log = (tmp_path / f"worker{i}.log").read_text()
            done[f"worker{i}"] = log.count(" done: record.issue ")
        figures["records per worker"] = dict(done)
        assert sum(done.values()) >= STAGES and all(done.values()), (
            f"both workers should issue records: {done}")
    figures["wall time (s)"] = round(time.monotonic() - began, 1)
    print("\nscale-out figures:", figures)
