"""The one place that commits: the end of a request, or a CLI command's :func:`transaction`.

Services only flush. A response below 400 commits; anything else rolls back, so a refused request
leaves no half-written state. A service error that must still be recorded (a failed signature
attempt) asks for its audit event to be kept with :func:`keep_changes`.
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


def init_app(app: Flask) -> None:
    @app.before_request
    def _intent():
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.after_request
    def _commit(response):
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
        return response

    @app.teardown_request
    def _rollback(exc):
        if exc is not None:
            db.session.rollback()
            outbox.forget_uncommitted()
