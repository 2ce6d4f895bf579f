"""The embedded worker, for a deployment without Redis (`make run`, SQLite): records are issued without a second
command.

The loop (:func:`run_until_stopped`) runs due outbox rows; it is woken by each commit that enqueues a job and
otherwise polls every JOB_POLL_INTERVAL, which is also its sweeper (a claim left by a killed process is taken over
after JOB_LEASE). `reviewboard worker` without Redis runs it in its own process.

`reviewboard serve` and `reviewboard run` start it *beside* the server (:func:`start_beside`): a child process,
`python -m reviewboard worker --beside-server`, not a thread of the server. A record's render is seconds of Python:
in a thread it held the server's interpreter lock, and another person's write answered 3.9 times slower at
1,000,000 projects (bench/http.py). The child runs at a lower CPU priority (:data:`BESIDE_SERVER_NICE`), so the
requests served beside it get the processor first. A thread of the server's process wakes it through its standard
input at each commit that enqueues a job, and starts it again should it die (not when it was stopped by SIGTERM);
the child stops when that pipe closes (the server's process ended, however it ended), after the job in hand.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

from flask import Flask

from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.queue import sweep

log = logging.getLogger("reviewboard.jobs")

BESIDE_SERVER_NICE = 10  # added to the child's niceness: the server's requests first, records in the idle time
# a child that died is started again after RESTART_DELAY seconds, doubled for each one that died young (within
# STEADY_AFTER of its start: a broken setup, whose every start costs an app's import) up to MAX_RESTART_DELAY
RESTART_DELAY = 2.0
MAX_RESTART_DELAY = 60.0
STEADY_AFTER = 60.0
WAKE = b"\n"


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


def start_beside() -> None:
    """Start the child process and the thread that wakes and watches it (a daemon: it ends with the server's
    process, and the child with it)."""
    outbox.embedded_running.set()  # commits that enqueue a job set outbox.wake, which the thread passes on
    threading.Thread(target=_supervise, name="reviewboard-jobs-child", daemon=True).start()


def _spawn() -> subprocess.Popen:
    # the same environment: the child builds the app from it as the server did (DATABASE_URL, keys, ...)
    # a session of its own: Ctrl-C in the terminal is the server's to handle; the child ends when its input closes
    child = subprocess.Popen([sys.executable, "-m", "reviewboard", "worker", "--beside-server"],  # noqa: S603
                             stdin=subprocess.PIPE, start_new_session=True)
    log.info("job worker process %s started beside the server (pid %s)", child.pid, os.getpid())
    return child


def restart_delay(previous: float | None, lived: float) -> float:
    """Seconds to wait before starting again a child that died after ``lived`` seconds, the last wait having been
    ``previous`` (None: none yet)."""
    if previous is None or lived >= STEADY_AFTER:
        return RESTART_DELAY
    return min(previous * 2, MAX_RESTART_DELAY)


def _supervise() -> None:
    child, started, delay = _spawn(), time.monotonic(), None
    while True:
        # stopped on purpose (systemd stopping every process of the service): SIGTERM ends a running child with
        # status 0 after the job in hand, and one still starting (before its handler is set) by the signal itself
        if child.poll() in (0, -signal.SIGTERM):
            log.info("job worker process %s stopped", child.pid)
            return
        if child.returncode is not None:
            delay = restart_delay(delay, time.monotonic() - started)
            log.error("job worker process %s exited with %s; starting it again in %g s", child.pid,
                      child.returncode, delay)
            time.sleep(delay)
            child, started = _spawn(), time.monotonic()
        if outbox.wake.wait(1.0):
            outbox.wake.clear()
            try:
                child.stdin.write(WAKE)
                child.stdin.flush()
            except OSError:  # it died: started again above, and it looks for due jobs as it starts
                pass


def run_beside_server(app: Flask) -> None:
    """The child's side: a lower priority, the loop, a wake per line read on standard input, and the end once that
    input closes."""
    os.nice(BESIDE_SERVER_NICE)
    ended = threading.Event()

    def read_wakes() -> None:
        # unbuffered reads: a daemon thread blocked in a buffered read would hold its lock while the interpreter
        # shuts down after Ctrl-C, which aborts the process ("could not acquire lock ... at interpreter shutdown")
        while os.read(sys.stdin.fileno(), 512):
            outbox.wake.set()
        ended.set()

    threading.Thread(target=read_wakes, name="reviewboard-jobs-wakes", daemon=True).start()
    outbox.wake.set()  # look at once: jobs committed while no child ran (it was starting, or had died)
    run_until_stopped(app, ended)


def run_until_stopped(app: Flask, ended: threading.Event | None = None, *, finish_within: float = 120.0) -> None:
    """Run the loop until SIGTERM, Ctrl-C or ``ended``; then let it finish the job in hand (a render: seconds; one
    cut short after ``finish_within`` runs again once its lease expires)."""
    ended = ended or threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: ended.set())
    stop = threading.Event()
    outbox.embedded_running.set()
    # a daemon: should the wait below give up, the process still ends (a render cut short is run again)
    thread = threading.Thread(target=_loop, args=(app, stop), name="reviewboard-jobs", daemon=True)
    thread.start()
    log.info("job worker loop started (pid %s)", os.getpid())
    ended.wait()
    stop.set()
    outbox.wake.set()
    thread.join(finish_within)
