"""RQ on Redis: the production queue. A message only names an outbox row (jobs/outbox.py); losing one costs
a delay, never the work, because the sweeper sends every due row again.

`reviewboard worker` runs :func:`work`: an RQ worker on the ``reviewboard`` queue that runs each job in the
same process (SimpleWorker: the app and its connection pool are built once), plus a sweeper thread.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from reviewboard.extensions import db
from reviewboard.jobs import outbox

log = logging.getLogger("reviewboard.jobs")

QUEUE_NAME = "reviewboard"
_worker_app: Flask | None = None


def _redis(url: str) -> Redis:
    # a decision must not wait on a Redis that is down: the row is committed, the sweeper sends it later
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def send(job_ids: list[int]) -> int:
    """Put a message per job on the queue; returns how many were sent (none when Redis is unreachable)."""
    try:
        queue = Queue(QUEUE_NAME, connection=_redis(current_app.config["REDIS_URL"]))
        for job_id in job_ids:
            queue.enqueue_call("reviewboard.jobs.queue.perform", args=(job_id,), result_ttl=0,
                               failure_ttl=24 * 3600, description=f"reviewboard job {job_id}")
    except RedisError as exc:
        log.warning("job queue unreachable (%s): jobs %s wait for the sweeper", type(exc).__name__, job_ids)
        return 0
    return len(job_ids)


def perform(job_id: int) -> str:
    """What an RQ message runs: the outbox row's job, in the worker's application."""
    with _worker_app.app_context():
        try:
            return outbox.run_job(job_id)
        finally:
            db.session.remove()


def sweep() -> list[int]:
    """Send again every row that is due and not done (its message lost, its worker dead); returns their ids.
    Without Redis (the embedded worker, `reviewboard jobs sweep`), run them here instead."""
    due = outbox.due_jobs()
    if not due:
        db.session.rollback()
        return []
    if outbox.mode() != "rq":
        db.session.rollback()
        for job_id in due:
            outbox.run_job(job_id)
        return due
    if send(due):
        outbox.postpone(due)
        db.session.commit()
        log.info("sweeper sent jobs %s again", due)
    else:
        db.session.rollback()
    return due


def sweep_forever(app: Flask, interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        with app.app_context():
            try:
                sweep()
            except Exception:  # noqa: BLE001 - the database or Redis is down: try again at the next sweep
                log.exception("job sweep failed")
            finally:
                db.session.remove()


def work(app: Flask, *, burst: bool = False) -> None:
    """Run the RQ worker until SIGTERM/SIGINT (or, with ``burst``, until the queue is empty)."""
    global _worker_app
    _worker_app = app
    stop = threading.Event()
    with app.app_context():
        sweep()  # rows whose messages were lost while no worker ran
        connection = _redis(app.config["REDIS_URL"])
    sweeper = threading.Thread(target=sweep_forever, name="reviewboard-sweeper", daemon=True,
                               args=(app, app.config["JOB_SWEEP_INTERVAL"].total_seconds(), stop))
    sweeper.start()
    try:
        SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(burst=burst)
    finally:
        stop.set()
