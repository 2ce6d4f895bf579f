"""Jobs written in the deciding transaction and run after it commits, exactly once in effect.

``enqueue`` adds a :class:`Job` row beside the change that asks for it; nothing leaves the process before
the commit. After the commit, :func:`dispatch_committed` tells a worker (RQ on Redis, the embedded thread,
or this process at once when no worker runs here). A worker :func:`claim`\\ s the row with one conditional
UPDATE, so two workers handed the same row run it once; a claim older than ``JOB_LEASE`` belongs to a worker
presumed dead and may be taken over. Work that may still run twice (a worker slow past its lease) must be
idempotent by a database constraint: its handler sees the other's result and returns.

A handler has two steps: ``prepare(payload)`` reads (and may take seconds: a record's render) in a read-only
transaction, returning None when the work is already done; ``store(payload, prepared)`` writes in a short
write transaction that also marks the job done.

Modes (JOBS_MODE): ``rq`` (REDIS_URL), ``thread`` (the embedded worker of `reviewboard serve` and `reviewboard
run`), ``after_commit`` (no worker in this process: run right after the commit, as CLI commands do),
``inline`` (the test suite: run inside the enqueuing transaction, see tests/conftest.py) and ``outbox``
(rows wait for a worker; tests of the queue itself).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.services import record_event
from reviewboard.extensions import db, write_intent
from reviewboard.jobs.models import DONE, FAILED, PENDING, RUNNING, Job
from reviewboard.models.base import utcnow

log = logging.getLogger("reviewboard.jobs")

_SESSION_KEY = "reviewboard.jobs.enqueued"
# set when a job is committed, so the embedded worker looks at once instead of at its next poll
wake = threading.Event()
embedded_running = threading.Event()


@dataclass(frozen=True)
class Handler:
    prepare: Callable[[dict], object]
    store: Callable[[dict, object], None]


HANDLERS: dict[str, Handler] = {}


def handler(kind: str, prepare: Callable[[dict], object], store: Callable[[dict, object], None]) -> None:
    HANDLERS[kind] = Handler(prepare, store)


def mode() -> str:
    configured = current_app.config["JOBS_MODE"]
    if configured != "auto":
        return configured
    if current_app.config.get("REDIS_URL"):
        return "rq"
    return "thread" if embedded_running.is_set() else "after_commit"


def enqueue(kind: str, key: str, payload: dict) -> Job:
    """Add the job to the current transaction (flushes); the same (kind, key) twice is the one row.

    In ``inline`` mode the job also runs here, inside the transaction."""
    job = db.session.scalar(select(Job).where(Job.kind == kind, Job.key == key))
    if job is None:
        now = utcnow()
        current = mode()
        # a queued message may be lost (Redis restarted): the sweeper sends the row again after this delay
        run_after = now + current_app.config["JOB_REQUEUE_AFTER"] if current == "rq" else now
        job = Job(kind=kind, key=key, payload=payload, created_at=now, run_after=run_after)
        db.session.add(job)
        db.session.flush()
        log.info("job %s queued: %s %s", job.id, kind, key)
        if current == "inline":
            _run_in_transaction(job)
        else:
            db.session.info.setdefault(_SESSION_KEY, []).append(job.id)
    return job


def dispatch_committed() -> None:
    """After a commit: hand the jobs that transaction enqueued to a worker."""
    ids = db.session.info.pop(_SESSION_KEY, [])
    if not ids:
        return
    current = mode()
    if current == "rq":
        from reviewboard.jobs.queue import send  # queue.py imports this module

        send(ids)
    elif current == "thread":
        wake.set()
    elif current == "after_commit":
        for job_id in ids:
            run_job(job_id)


def forget_uncommitted() -> None:
    db.session.info.pop(_SESSION_KEY, None)


def claim(job_id: int) -> bool:
    """Take the job if it is pending or its lease expired (flushes, does not commit)."""
    now = utcnow()
    expired = now - current_app.config["JOB_LEASE"]
    result = db.session.execute(
        update(Job).where(Job.id == job_id, or_(Job.status == PENDING,
                                                and_(Job.status == RUNNING, Job.claimed_at < expired)))
        .values(status=RUNNING, claimed_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _finish(job_id: int) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(status=DONE, finished_at=utcnow(),
                                                                     last_error=None)
                       .execution_options(synchronize_session=False))


def _run_in_transaction(job: Job) -> None:
    claim(job.id)
    step = HANDLERS[job.kind]
    prepared = step.prepare(job.payload)
    if prepared is not None:
        step.store(job.payload, prepared)
    _finish(job.id)


def run_job(job_id: int) -> str:
    """Run one job as a worker does, committing: the claim, then the read step in a read-only transaction,
    then the write step with the job marked done. Returns what became of it: done, skipped (another worker
    has it or it is finished), retry or failed. Never raises for the job's own errors."""
    if not _commit(lambda: claim(job_id)):
        return "skipped"
    job = db.session.get(Job, job_id)
    kind, payload = job.kind, dict(job.payload)
    db.session.rollback()
    step = HANDLERS[kind]
    try:
        for _ in range(2):  # a second pass when another worker stored the same work first
            token = write_intent.set(False)
            try:
                prepared = step.prepare(payload)
            finally:
                db.session.rollback()
                write_intent.reset(token)
            try:
                if prepared is not None:
                    step.store(payload, prepared)
                _finish(job_id)
                db.session.commit()
                log.info("job %s done: %s %s", job_id, kind, payload)
                dispatch_committed()  # follow-on jobs its store step enqueued (a record's certificate)
                return "done"
            except IntegrityError:
                db.session.rollback()
                forget_uncommitted()
                log.info("job %s: the same work was stored by another worker; checking it", job_id)
        raise RuntimeError("the job's work conflicts with stored work twice")
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the sweeper retries it
        db.session.rollback()
        forget_uncommitted()
        return _failed(job_id, exc)


def _failed(job_id: int, exc: Exception) -> str:
    job = db.session.get(Job, job_id)
    final = job.attempts >= current_app.config["JOB_MAX_ATTEMPTS"]
    job.status = FAILED if final else PENDING
    job.claimed_at = None
    job.run_after = utcnow() + timedelta(seconds=30 * job.attempts)
    job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if final:  # it waits for a person now (`reviewboard jobs retry`): the trail says so
        job.finished_at = utcnow()
        record_event(None, "job.failed", "job", job.id,
                     after={"kind": job.kind, "key": job.key, "attempts": job.attempts, "error": job.last_error})
    db.session.commit()
    log.error("job %s (%s) failed, attempt %s%s: %s", job_id, job.kind, job.attempts,
              " (giving up)" if final else "", job.last_error, exc_info=exc)
    return "failed" if final else "retry"


def _commit(work: Callable[[], bool]) -> bool:
    try:
        result = work()
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def due_jobs(limit: int = 50) -> list[int]:
    """Jobs a worker should run now: pending and due, or running on an expired lease (a lost worker)."""
    now = utcnow()
    expired = now - current_app.config["JOB_LEASE"]
    return list(db.session.scalars(
        select(Job.id).where(or_(and_(Job.status == PENDING, Job.run_after <= now),
                                 and_(Job.status == RUNNING, Job.claimed_at < expired)))
        .order_by(Job.id).limit(limit)))


def retry(actor, job_ids: list[int] | None) -> list[Job]:
    """Give failed jobs (``job_ids``, or every failed one) their attempts again: pending, due now, each retry an
    audit event (flushes; the jobs go to a worker after the commit). Returns the jobs retried; a job that is
    not failed is left as it is."""
    query = select(Job).where(Job.status == FAILED).order_by(Job.id)
    if job_ids is not None:
        query = query.where(Job.id.in_(job_ids))
    jobs = list(db.session.scalars(query.with_for_update()))
    now = utcnow()
    for job in jobs:
        before = {"status": job.status, "attempts": job.attempts, "error": job.last_error}
        job.status, job.attempts, job.claimed_at, job.finished_at = PENDING, 0, None, None
        job.run_after = now + current_app.config["JOB_REQUEUE_AFTER"] if mode() == "rq" else now
        db.session.flush()
        record_event(actor, "job.retried", "job", job.id, before=before,
                     after={"status": job.status, "kind": job.kind, "key": job.key})
        log.info("job %s (%s %s) retried", job.id, job.kind, job.key)
        db.session.info.setdefault(_SESSION_KEY, []).append(job.id)
    return jobs


def postpone(job_ids: list[int]) -> None:
    """Sent again: not due again before JOB_REQUEUE_AFTER (flushes)."""
    if job_ids:
        db.session.execute(update(Job).where(Job.id.in_(job_ids), Job.status == PENDING)
                           .values(run_after=utcnow() + current_app.config["JOB_REQUEUE_AFTER"])
                           .execution_options(synchronize_session=False))


def stuck_jobs(after: timedelta, limit: int = 100) -> list[tuple[int, datetime]]:
    """Jobs waiting longer than ``after``: (id, since when), for /readyz. Pending and due since then (nobody took
    it: no worker runs, or its message was lost and no sweeper runs), or running on a claim that old (its
    worker hangs or died and nobody took it over). Reads the (status, run_after) index and the few running rows."""
    cutoff = utcnow() - after
    pending = select(Job.id, Job.run_after).where(Job.status == PENDING, Job.run_after < cutoff)
    running = select(Job.id, Job.claimed_at).where(Job.status == RUNNING, Job.claimed_at < cutoff)
    return [(job_id, since) for job_id, since in db.session.execute(pending.union_all(running).limit(limit))]
