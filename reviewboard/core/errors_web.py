"""Friendly error pages: never a traceback, SQL or configuration in a response."""

from __future__ import annotations

import logging
import math
import time
from datetime import UTC, datetime

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.routing import IntegerConverter

from reviewboard.core.errors import Conflict, NotPermitted
from reviewboard.core.forms import error_items
from reviewboard.extensions import db, limiter
from reviewboard.reviews.workflow import IllegalTransition

security_log = logging.getLogger("reviewboard.security")
log = logging.getLogger("reviewboard")

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back, reload the page and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this. If you think you should, ask a chair.")),
    404: (_l("Not found"), _l("There is nothing here. The link may be wrong, or the item may not be visible to "
                              "you.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Changed in the meantime"), _l("Someone else changed this first. Reload the page to see the current "
                                            "state; nothing you sent was saved.")),
    413: (_l("File too large"), _l("The upload is larger than the limit. Evidence files may be up to %(limit)s.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Wait a while and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error happened and nothing was saved. The error was "
                                         "logged with a reference you can quote: %(request_id)s.")),
}


# Every ``<int:...>`` in a route is a row id; ids are INTEGER columns (PostgreSQL's is 32-bit).
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """``<int:...>`` bounded to the id range: a junk id such as /projects/99999999999999999999 matches no
    route (404) instead of reaching the database, which refuses it with an overflow error (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(url_map, *args, **kwargs)


def size_label(size: int) -> str:
    """A byte count in the largest binary unit that keeps it at 1 or more ("512 KiB", "1.5 MiB"), rounded
    down so that a stated limit is never more than the real one."""
    for factor, unit in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if size >= factor:
            tenths = size * 10 // factor
            return f"{tenths // 10} {unit}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10} {unit}"
    return f"{size} bytes"


def fresh_state_url() -> str | None:
    """Where the current state of the thing a refused request was about can be seen: the same address
    when it can be opened (an edit form), else the page of the stage or project in the route."""
    from flask import current_app, url_for

    try:
        current_app.url_map.bind_to_environ(request.environ).match(method="GET")
    except HTTPException:
        args = request.view_args or {}
        if "stage_id" in args:
            return url_for("reviews.show", stage_id=args["stage_id"])
        if "project_id" in args:
            return url_for("projects.show", project_id=args["project_id"])
        return None
    return request.path


def render_error(status: int, detail: str | None = None, fresh_url: str | None = None):
    from flask import current_app, g

    title, message = MESSAGES.get(status, (_l("Error"), _l("Something went wrong.")))
    message = str(message) % {"limit": size_label(current_app.config["MAX_CONTENT_LENGTH"]),
                              "request_id": g.get("request_id", "-")}
    return render_template("errors/error.html", status=status, title=title, message=message,
                           detail=detail, fresh_url=fresh_url), status


def _too_many(limit: str):
    """The 429 page: the limit, and when the next attempt will be accepted (also as Retry-After)."""
    current = limiter.current_limit
    if current is None:
        return render_error(429, _("The limit is %(limit)s.", limit=limit))
    reset_at = current.window.reset_time  # when the oldest counted attempt leaves the window
    wait = max(1, math.ceil(reset_at - time.time()))
    at = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%H:%M:%S UTC")
    body, status = render_error(429, _("The limit is %(limit)s. Try again in %(wait)s (at %(at)s).", limit=limit,
                                       wait=_duration(wait), at=at))
    return body, status, {"Retry-After": str(wait)}


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    if not minutes:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    if seconds:
        return _("%(minutes)d min %(seconds)02d s", minutes=minutes, seconds=seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def init_app(app: Flask) -> None:
    # Runs before the blueprints are registered (see create_app), so every route's <int:...> uses it.
    app.url_map.converters["int"] = RowIdConverter
    # the upload limit as upload forms state it ("20 MiB", "512 KiB"), the same words as the 413 page
    app.jinja_env.globals["upload_limit"] = lambda: size_label(app.config["MAX_CONTENT_LENGTH"])
    app.jinja_env.globals["error_items"] = error_items  # what a refused form's error summary lists

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        security_log.warning("csrf.failure reason=%s", exc.description)
        return render_error(400, _("The form expired or was not sent from ReviewBoard. Reload the page and "
                                   "submit it again."))

    @app.errorhandler(IllegalTransition)
    def _illegal(exc):
        return render_error(409, str(exc), fresh_state_url())

    @app.errorhandler(NotPermitted)
    def _not_permitted(_exc):
        # a service's own permission check: the same 403 page and security log line as abort(403)
        return _http(Forbidden())

    @app.errorhandler(Conflict)
    def _conflict(exc):
        # the request was based on a state someone else changed first; a view that can do better (keep the
        # form with what was typed) catches it itself
        return render_error(409, exc.message, fresh_state_url())

    @app.errorhandler(StaleDataError)
    def _stale(_exc):
        # a concurrent save won the version check (version_id_col): nothing of this request is kept, and
        # the failed flush must be rolled back before the page can read anything (the signed-in user)
        db.session.rollback()
        log.info("stale write refused for %s", request.path)
        return render_error(409, fresh_url=fresh_state_url())

    @app.errorhandler(HTTPException)
    def _http(exc):
        status = exc.code or 500
        if status == 403:
            security_log.warning("access.denied method=%s", request.method)
        if status == 429:
            security_log.warning("rate_limit.exceeded limit=%s", exc.description)
            return _too_many(exc.description)
        if status not in MESSAGES:
            return exc
        return render_error(status)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        # a failed flush leaves the session unusable, and the error page itself reads the signed-in user
        try:
            db.session.rollback()
        except Exception:  # the connection itself may be gone; the page must still be shown
            log.exception("rollback after an unhandled error failed")
        return render_error(500)
