"""The one place that commits: the end of a request, or a CLI command's :func:`transaction`.

Services only flush. A response below 400 commits; anything else rolls back, so a refused request
leaves no half-written state. A service error that must still be recorded (a failed signature
attempt) asks for its audit event to be kept with :func:`keep_changes`. A fact about the request itself
that must outlive its rollback (a token's use) is written again after it with :func:`after_rollback`.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, request
from sqlalchemy.orm.exc import StaleDataError

from reviewboard.extensions import db, write_intent
from reviewboard.jobs import outbox

log = logging.getLogger("reviewboard")


@contextlib.contextmanager
def transaction():
    """A CLI command's boundary: commit on success (then hand its jobs to a worker), roll back on any exception."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        outbox.forget_uncommitted()
        raise
    outbox.dispatch_committed()


def keep_changes() -> None:
    g.keep_changes = True


def after_rollback(work) -> None:
    """Run ``work()`` in a transaction of its own if this request ends rolled back (a 4xx/5xx answer).

    For what is true whatever the answer: a token was used. Unlike :func:`keep_changes` it keeps nothing of
    the refused request's own writes. ``work`` reads what it needs again (the rollback expired every row).
    """
    g.setdefault("after_rollback", []).append(work)


def _run_after_rollback() -> None:
    work_list = g.pop("after_rollback", ())
    if work_list:
        write_intent.set(True)  # a write: SQLite takes the write lock at BEGIN, not halfway through
    for work in work_list:
        try:
            work()
            db.session.commit()
        except Exception:  # the answer is already decided; a lost note must not turn it into a 500
            db.session.rollback()
            log.exception("a write after the rollback of %s failed", request.path)


def init_app(app: Flask) -> None:
    def _intent():
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    # first of the hooks that may read (the user loader runs in the session's idle-timeout check): a GET's every
    # statement then reads without taking SQLite's write lock, and on PostgreSQL without a transaction until it writes
    app.before_request_funcs.setdefault(None, []).insert(0, _intent)

    @app.after_request
    def _commit(response):
        if not db.session.registry.has() and not g.get("after_rollback"):
            return response  # the request used no database (/healthz, the verify page): nothing to end
        if response.status_code < 400 or g.get("keep_changes"):
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                outbox.forget_uncommitted()
                log.warning("stale write at commit for %s", request.path)
                raise
            outbox.dispatch_committed()
        else:
            db.session.rollback()
            outbox.forget_uncommitted()
            _run_after_rollback()
        g.pop("after_rollback", None)
        return response

    @app.teardown_request
    def _rollback(exc):
        if exc is not None:
            db.session.rollback()
            outbox.forget_uncommitted()
            _run_after_rollback()
        write_intent.set(True)  # the default again: work after the request (a CLI command in a test) may write
