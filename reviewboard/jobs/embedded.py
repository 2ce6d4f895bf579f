"""The embedded worker: a thread in the serving process that runs due outbox rows, for a deployment without
Redis (`make run`, SQLite). It is woken by each commit that enqueues a job and otherwise polls every
JOB_POLL_INTERVAL, which is also its sweeper (a claim left by a killed process is taken over after JOB_LEASE).
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.queue import sweep

log = logging.getLogger("reviewboard.jobs")


def _loop(app: Flask, stop: threading.Event) -> None:
    interval = app.config["JOB_POLL_INTERVAL"].total_seconds()
    while not stop.is_set():
        outbox.wake.wait(interval)
        outbox.wake.clear()
        if stop.is_set():
            return
        with app.app_context():
            try:
                sweep()
            except Exception:  # noqa: BLE001 - e.g. the database is briefly locked: the next poll retries
                log.exception("embedded job worker")
            finally:
                db.session.remove()


def start(app: Flask) -> threading.Event:
    """Start the thread (daemon: it dies with the process; a render cut short is run again). Returns the event
    that stops it."""
    stop = threading.Event()
    outbox.embedded_running.set()
    threading.Thread(target=_loop, args=(app, stop), name="reviewboard-jobs", daemon=True).start()
    log.info("embedded job worker started")
    return stop
