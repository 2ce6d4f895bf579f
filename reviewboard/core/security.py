"""Security headers on every response, request ids and structured security log lines."""

from __future__ import annotations

import json
import logging
import secrets

from flask import Flask, g, request

from reviewboard.auth.session import signed_in_user_id
from reviewboard.models.base import utcnow

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

# set on every response, replacing a value a view set
_ALWAYS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"),
           ("Cross-Origin-Opener-Policy", "same-origin"))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: user text inside values cannot start a forged line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        for key in ("request_id", "user", "address", "path"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        for key, value in getattr(record, "fields", {}).items():  # a logger's own fields (the access log's)
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        if has_request_context():
            record.request_id = g.get("request_id")
            record.address = request.remote_addr
            record.path = request.path
            record.user = signed_in_user_id()
        return True


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLineFormatter())
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger("reviewboard")
    if not any(isinstance(h.formatter, JsonLineFormatter) for h in logger.handlers):
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = app.testing  # let pytest's caplog see the lines in tests


def init_app(app: Flask) -> None:
    configure_logging(app)

    def _request_id():
        g.request_id = secrets.token_hex(8)

    # first of all the before-request hooks: a request refused by an earlier one (CSRF, a rate limit) still
    # gets its id, in the security log line and on the error page
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)

    @app.after_request
    def _headers(response):
        h = response.headers
        # one pass over the response's own headers, then appends: Headers.set() scans them all once per header
        present = {name.lower() for name, _value in h}

        def put(name: str, value: str) -> None:
            if name.lower() in present:
                h.set(name, value)
            else:
                h.add(name, value)

        if "content-security-policy" not in present:
            h.add("Content-Security-Policy", CSP)
        for name, value in _ALWAYS:
            put(name, value)
        if request.is_secure:
            put("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if signed_in_user_id() is not None or request.endpoint not in ("static", "bootstrap.static"):
            put("Cache-Control", "no-store")
        if g.get("request_id"):
            put("X-Request-Id", g.request_id)
        return response
