"""Serving ReviewBoard: gunicorn for ``reviewboard serve``, and the proxies it may sit behind.

Gunicorn's master forks the worker processes from the application built once (``preload``), each worker
answers with a pool of threads, and SIGTERM stops it gracefully: the master stops accepting, lets each
request in flight finish (up to the graceful timeout) and exits 0. Its own access log is off: the app writes
one JSON line per request (ops/access_log.py).

How many workers: SQLite is safe across processes (WAL, a busy timeout and BEGIN IMMEDIATE for writers,
extensions.configure_sqlite), but rate-limit counters kept in memory are per process, so N workers would
grant N times the sign-in attempts. The automatic count is therefore one worker (with threads) until
REDIS_URL gives the workers shared counters, and then gunicorn's advice of 2 x CPUs + 1, at most 8.
"""

from __future__ import annotations

import gc
import os
import signal
from dataclasses import dataclass

from flask import Flask
from gunicorn.app.base import BaseApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from reviewboard.config import ConfigurationError

MAX_AUTO_WORKERS = 8


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies (0: none, the default), take the client's address, scheme, host and
    port from the X-Forwarded-* headers those proxies add. Rate limits, the security and access logs and secure
    cookies then see the client, not the proxy; never set it higher than the proxies actually in front, or a
    client could choose its own address."""
    count = app.config["TRUSTED_PROXIES"]
    if count < 0:
        raise ConfigurationError(f"Refusing to start: TRUSTED_PROXIES={count}: expected 0 or more.")
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def shares_rate_limits(app: Flask) -> bool:
    """Whether the rate-limit counters live outside this process (Redis), so several workers share them."""
    return not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")


def automatic_workers(app: Flask) -> int:
    if not shares_rate_limits(app):
        return 1
    return min(2 * (os.cpu_count() or 1) + 1, MAX_AUTO_WORKERS)


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int
    threads: int
    timeout: int
    graceful_timeout: int

    @property
    def bind(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


class GunicornServer(BaseApplication):
    """Gunicorn serving an application that is already built (configured from the environment as usual)."""

    def __init__(self, app: Flask, options: ServeOptions):
        self.application = app
        self.options = options
        super().__init__(prog="reviewboard serve")

    def load_config(self) -> None:
        o = self.options
        settings = {"bind": [o.bind], "workers": o.workers, "threads": o.threads, "worker_class": "gthread",
                    "timeout": o.timeout, "graceful_timeout": o.graceful_timeout, "preload_app": True,
                    "accesslog": None, "errorlog": "-", "proc_name": "reviewboard",
                    # gunicorn's control socket sits in the home folder: two servers would share it
                    "control_socket_disable": True,
                    "post_fork": _post_fork(self.application,
                                            embedded_worker=runs_embedded_worker(self.application)),
                    "pre_fork": _freeze_before_fork,
                    "post_worker_init": _leave_ctrl_c_to_the_master}
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def runs_embedded_worker(app: Flask) -> bool:
    """Without Redis, the server's worker process (one by default; each, if more are asked for: their claims
    on a job exclude each other) also runs the jobs (records, digests) in a child process (jobs/embedded.py), so
    `make run` issues records without a second command; with Redis, `reviewboard worker` runs them."""
    return not app.config.get("REDIS_URL")


def _post_fork(app: Flask, *, embedded_worker: bool):
    def post_fork(_server, _worker):
        # a pooled connection opened before the fork must not be shared by two processes
        from reviewboard.audit.anchors import anchor_in_background
        from reviewboard.extensions import db
        from reviewboard.jobs import embedded

        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
        # each worker signs the audit trail's stale tail (a rare duplicate checkpoint between workers is harmless)
        anchor_in_background(app)
        if embedded_worker:
            embedded.start_beside()

    return post_fork


def _freeze_before_fork(_server, _worker) -> None:
    """The application is built once, in the master (preload): its objects (some 260,000: modules, mappers,
    statements) go to the garbage collector's permanent generation before each fork, as the Python documentation
    advises for gc.freeze. A worker's full collection then no longer walks them (a warmed worker's took 150 ms,
    now about 22 ms, in one request that waits for it), nor writes to the memory pages it shares with the master."""
    gc.freeze()


def _leave_ctrl_c_to_the_master(_worker) -> None:
    """Ctrl-C in a terminal sends SIGINT to every process of the group: the master, which then stops each worker
    at once (SIGQUIT), and the workers themselves. A gthread worker handling both signals could re-enter its thread
    pool's shutdown inside the first one and wait for ever on the lock it already held; the master killed it after
    the graceful timeout (30 s). The worker ignores SIGINT, so it is stopped once, by the master."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def serve(app: Flask, options: ServeOptions) -> None:
    """Run gunicorn in the foreground until SIGTERM (exits 0 once the requests in flight finish, within the
    graceful timeout) or SIGINT (at once)."""
    GunicornServer(app, options).run()
