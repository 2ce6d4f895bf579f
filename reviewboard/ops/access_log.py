"""The access log: one JSON line per request on the ``reviewboard.access`` logger.

Each line is written by the same formatter as the security log (core/security.py), so it carries the
request id that the response's X-Request-Id header and the error page show, the remote address (the
client's, through ProxyFix when TRUSTED_PROXIES is set) and the signed-in user's id; this module adds the
method, the status and the duration in milliseconds. ``ACCESS_LOG = False`` turns it off (a proxy in front
that logs already, say).
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request

log = logging.getLogger("reviewboard.access")


def init_app(app: Flask) -> None:
    """Register the hooks. Call it before core/boundary.py's: after-request hooks run in reverse order of
    registration, so the line is written after the commit and its duration includes it."""
    if not app.config["ACCESS_LOG"]:
        return

    def _started():
        g.started = time.perf_counter()

    app.before_request_funcs.setdefault(None, []).insert(0, _started)

    @app.after_request
    def _access_line(response):
        started = g.get("started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"fields": {"method": request.method, "status": response.status_code,
                                   "duration_ms": duration}})
        return response
