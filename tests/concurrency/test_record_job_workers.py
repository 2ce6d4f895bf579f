"""Records are issued exactly once by workers that race, die mid-render, or lose their queue (real commits)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewboard.extensions import db
from reviewboard.jobs import outbox, queue
from reviewboard.jobs.embedded import RESTART_DELAY
from reviewboard.jobs.models import DONE, PENDING, RUNNING, Job
from reviewboard.records import pdf
from reviewboard.records.issuing import KIND
from reviewboard.records.models import Record
from reviewboard.records.services import verify_record_bytes
from tests.concurrency.helpers import at_once
from tests.support.factories import PASSWORD, Factory
from tests.support.live_server import Server, child_pids, is_alive, job_process, sign_in, wait_until
from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture()
def outbox_app(committed_app, monkeypatch):
    monkeypatch.setitem(committed_app.config, "JOBS_MODE", "outbox")
    return committed_app


def _decided_stage(app) -> tuple[int, int]:
    """A stage decided and committed; returns its id and its record job's id."""
    with app.app_context():
        make = Factory(db.session)
        stage = make.submitted_stage()
        for reviewer in make.reviewers():
            make.sign(reviewer, stage)
        db.session.commit()
        outbox.dispatch_committed()
        job_id = db.session.scalar(select(Job.id).where(Job.kind == KIND, Job.payload["stage_review_id"].as_integer()
                                                        == stage.id))
        stage_id = stage.id
        db.session.remove()
        return stage_id, job_id


def _state(app, stage_id: int, job_id: int) -> tuple[list[Record], str]:
    with app.app_context():
        records = db.session.scalars(select(Record).where(Record.stage_review_id == stage_id)).all()
        status = db.session.get(Job, job_id).status
        for r in records:
            _ = r.pdf  # load the deferred bytes before the session goes
        db.session.expunge_all()
        db.session.remove()
        return records, status


@pytest.mark.parametrize("lease", [timedelta(minutes=5), timedelta(minutes=-1)],
                         ids=["claimed-once", "lease-overtaken"])
def test_three_workers_on_one_job_issue_one_record(outbox_app, monkeypatch, issued_records, lease):
    """Three workers get the same job at once: with a lease, one claims it; with the lease overtaken (each
    worker presumed dead by the next), all three render and the record table's UNIQUE keeps one.

    The overtaken lease is negative, not zero: with zero, a worker whose clock reading came before the winner's
    claim saw that claim as not yet expired and skipped the job, so sometimes only one worker rendered."""
    monkeypatch.setitem(outbox_app.config, "JOB_LEASE", lease)
    overtaken = lease < timedelta(0)
    stub = pdf.render_record_pdf
    rendering, lock, two_in = [0], threading.Lock(), threading.Event()

    def slow_render(data, **kw):
        # with the lease overtaken, a render waits (up to 20 s) until a second worker is rendering too, so the
        # race happens however far apart a busy machine starts the threads (a fixed sleep was not always enough);
        # with a lease, nobody else renders and this is a short pause
        with lock:
            rendering[0] += 1
            if rendering[0] >= 2:
                two_in.set()
        two_in.wait(20 if overtaken else 0.3)
        return stub(data, **kw)

    monkeypatch.setattr(pdf, "render_record_pdf", slow_render)
    stage_id, job_id = _decided_stage(outbox_app)

    def worker():
        with outbox_app.app_context():
            try:
                return outbox.run_job(job_id)
            finally:
                db.session.remove()

    results = at_once(worker, worker, worker)

    assert all(r in ("done", "skipped") for r in results), results
    records, status = _state(outbox_app, stage_id, job_id)
    assert len(records) == 1 and status == DONE
    if not overtaken:
        assert sorted(results) == ["done", "skipped", "skipped"]
    else:
        assert len(issued_records) >= 2, "the workers did not race: the test proves nothing"


@pytest.mark.slow
def test_worker_killed_mid_render_is_replaced_and_the_record_is_issued_once(outbox_app, tmp_path, signing_dir):
    stage_id, job_id = _decided_stage(outbox_app)
    started = tmp_path / "render-started"
    server = Server.for_app(outbox_app, tmp_path, signing_dir)

    def worker(**env):
        with (tmp_path / "worker.log").open("ab") as log:  # the child keeps its own copy of the handle
            return subprocess.Popen([sys.executable, "-m", "tests.support.job_worker"], cwd=REPO,  # noqa: S603
                                    env={**server.env, "RB_RENDER_STARTED": str(started),
                                         "REVIEWBOARD_JOB_LEASE": "1s", **env},
                                    stdout=subprocess.DEVNULL, stderr=log)

    first = worker(RB_RENDER_DELAY="120")
    deadline = time.time() + 60
    while not started.exists():
        assert first.poll() is None and time.time() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
        time.sleep(0.05)
    server.kill(first)
    records, status = _state(outbox_app, stage_id, job_id)
    assert records == [] and status == RUNNING  # its claim stays behind until the lease runs out

    time.sleep(1.1)
    second = worker()
    assert second.wait(120) == 0, (tmp_path / "worker.log").read_text()[-2000:]

    records, status = _state(outbox_app, stage_id, job_id)
    assert len(records) == 1 and status == DONE
    with outbox_app.app_context():
        verification = verify_record_bytes(records[0].pdf)
        assert verification.ok, verification.reason
        assert verification.record.id == records[0].id
        db.session.remove()


def test_a_decision_made_while_redis_is_down_gets_its_record_once_redis_is_back(
        committed_app, monkeypatch, tmp_path, signing_dir, issued_records):
    redis = RedisServer(tmp_path)
    monkeypatch.setitem(committed_app.config, "JOBS_MODE", "auto")
    monkeypatch.setitem(committed_app.config, "REDIS_URL", redis.url)
    monkeypatch.setitem(committed_app.config, "JOB_REQUEUE_AFTER", timedelta(0))
    redis.start()
    try:
        redis.stop()
        began = time.monotonic()
        stage_id, job_id = _decided_stage(committed_app)  # commits, then fails to reach Redis
        assert time.monotonic() - began < 30
        records, status = _state(committed_app, stage_id, job_id)
        assert records == [] and status == PENDING

        redis.start()  # empty: the message was never sent
        with committed_app.app_context():
            assert job_id in queue.sweep()
            db.session.remove()
        queue.work(committed_app, burst=True)

        records, status = _state(committed_app, stage_id, job_id)
        assert len(records) == 1 and status == DONE
        assert len(issued_records) == 1

        # `reviewboard worker` as deployed: its own process, real render and signature
        stage_id, job_id = _decided_stage(committed_app)  # Redis up: the message is sent at the commit
        server = Server.for_app(committed_app, tmp_path, signing_dir, extra_env={"REDIS_URL": redis.url})
        worker = subprocess.run([str(Path(sys.executable).with_name("reviewboard")), "worker", "--burst"],  # noqa: S603
                                env=server.env, capture_output=True, text=True, timeout=120)
        assert worker.returncode == 0, worker.stderr[-2000:]
        records, status = _state(committed_app, stage_id, job_id)
        assert len(records) == 1 and status == DONE
        with committed_app.app_context():
            assert verify_record_bytes(records[0].pdf).ok
            db.session.remove()
        with committed_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Job).where(Job.status != DONE)) == 0
            db.session.remove()
    finally:
        redis.stop()


@pytest.mark.slow
@pytest.mark.parametrize("command", ["serve", "run"])
def test_the_server_alone_issues_the_record_without_redis(committed_app, tmp_path, signing_dir, command):
    """`make run` (reviewboard serve, one worker, no Redis) and `reviewboard run`: the deciding POST answers,
    the page says the record is being issued, and the server's own job process issues it (real render)."""
    with committed_app.app_context():
        stage, second = Factory(db.session).one_signature_short()
        db.session.commit()
        stage_id, email = stage.id, second.email
        criteria = [c.id for c in stage.applicable_criteria()]
        db.session.remove()
    server = Server.for_app(committed_app, tmp_path, signing_dir, threaded=True,
                            serve_args=["--workers", "1", "--threads", "2"] if command == "serve" else None)
    with server:
        http, token = sign_in(server.base, email)
        data = {"csrf_token": token, "outcome": "approve", "email": email, "password": PASSWORD,
                "sign": "Sign decision", **{f"v_{c}": "meets" for c in criteria}}
        response = http.post(f"{server.base}/stages/{stage_id}/review", data=data, allow_redirects=False, timeout=30)
        assert response.status_code == 302
        page = http.get(f"{server.base}/stages/{stage_id}", timeout=30).text
        assert "Record being issued" in page, "the decision waited for its record"  # a render takes seconds
        deadline = time.time() + 60
        while "Download signed record v1" not in page:
            assert time.time() < deadline, "the server did not issue the record"
            time.sleep(0.3)
            page = http.get(f"{server.base}/stages/{stage_id}", timeout=30).text
    with committed_app.app_context():
        record = db.session.scalar(select(Record).where(Record.stage_review_id == stage_id))
        assert verify_record_bytes(record.pdf).ok
        db.session.remove()


def _new_worker(server: Server, dead: int) -> int:
    """The worker gunicorn starts in place of ``dead``."""
    def others() -> list[int]:
        return [w for w in child_pids(server.proc.pid) if w != dead and is_alive(w)]

    return wait_until(others, 30, "gunicorn started no worker in place of the dead one")[0]


@pytest.mark.slow
def test_the_servers_job_process_yields_the_cpu_comes_back_and_ends_with_the_server(outbox_app, tmp_path,
                                                                                     signing_dir):
    """Without Redis, `reviewboard serve` renders records in a child process of its worker, not a thread: at a lower
    CPU priority (requests served beside a render get the processor first), started again when it dies but not when
    it was stopped (SIGTERM), and gone when its server process ends, however it ends (no orphan renders on)."""
    server = Server.for_app(outbox_app, tmp_path, signing_dir, serve_args=["--workers", "1", "--threads", "2"],
                            extra_env={"REVIEWBOARD_JOB_POLL_INTERVAL": "1s"})
    with server:
        [worker] = child_pids(server.proc.pid)
        child = job_process(worker)
        lower = min(19, os.getpriority(os.PRIO_PROCESS, worker) + 10)  # set by the child as it starts, before jobs
        wait_until(lambda: os.getpriority(os.PRIO_PROCESS, child) == lower, 30, "job process kept its priority")

        os.kill(child, signal.SIGKILL)
        child = job_process(worker, not_pid=child)  # started again by the server's thread
        stage_id, job_id = _decided_stage(outbox_app)  # committed here: the child finds it at its next poll
        wait_until(lambda: _state(outbox_app, stage_id, job_id)[1] == DONE, 90, "the child did not issue the record")
        [record], _ = _state(outbox_app, stage_id, job_id)
        with outbox_app.app_context():
            assert verify_record_bytes(record.pdf).ok

        os.kill(worker, signal.SIGKILL)  # the server's worker dies: its child's input closes
        wait_until(lambda: not is_alive(child), 30, "the job process outlived its server process")
        worker = _new_worker(server, worker)
        child = job_process(worker)  # gunicorn's new worker has its own

        os.kill(child, signal.SIGTERM)  # stopped on purpose (systemd stopping the service): not started again
        wait_until(lambda: not is_alive(child), 30, "the job process did not stop on SIGTERM")
        time.sleep(2 * RESTART_DELAY)
        assert not [pid for pid in child_pids(worker) if is_alive(pid)], "a job process stopped on purpose came back"

        os.kill(worker, signal.SIGKILL)
        child = job_process(_new_worker(server, worker))
    wait_until(lambda: not is_alive(child), 30, "the job process outlived the server stopped by SIGTERM")


@pytest.mark.slow
def test_the_worker_command_without_redis_issues_records_and_stops_on_sigterm(outbox_app, tmp_path, signing_dir):
    """`reviewboard worker` without Redis, as a person runs it beside a server: it says it polls the job table,
    issues a record committed after it started (real render), and SIGTERM stops it cleanly."""
    server = Server.for_app(outbox_app, tmp_path, signing_dir, extra_env={"REVIEWBOARD_JOB_POLL_INTERVAL": "1s"})
    log = tmp_path / "worker.log"
    with log.open("ab") as handle:  # the child keeps its own copy of the handle
        worker = subprocess.Popen([str(Path(sys.executable).with_name("reviewboard")), "worker"],  # noqa: S603
                                  env=server.env, stdout=subprocess.DEVNULL, stderr=handle)
    try:
        wait_until(lambda: "polling the job table" in log.read_text(), 60, "the worker did not say how it runs")
        stage_id, job_id = _decided_stage(outbox_app)  # committed here: the worker finds it at its next poll
        wait_until(lambda: _state(outbox_app, stage_id, job_id)[1] == DONE, 90,
                   f"the worker did not issue the record: {log.read_text()[-2000:]}")
        [record], _ = _state(outbox_app, stage_id, job_id)
        with outbox_app.app_context():
            assert verify_record_bytes(record.pdf).ok
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0, log.read_text()[-2000:]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
