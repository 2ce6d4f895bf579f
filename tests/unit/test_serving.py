"""How many gunicorn workers ``reviewboard serve`` starts when not told (ops/serving.py)."""

from __future__ import annotations

import gc

from flask import Flask

from reviewboard.ops.serving import MAX_AUTO_WORKERS, GunicornServer, ServeOptions, automatic_workers


def _app(storage: str) -> Flask:
    app = Flask(__name__)
    app.config["RATELIMIT_STORAGE_URI"] = storage
    return app


def test_one_worker_while_rate_limits_are_counted_in_memory(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert automatic_workers(_app("memory://")) == 1


def test_workers_follow_the_cpus_once_redis_shares_the_counters(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert automatic_workers(_app("redis://127.0.0.1:6379/0")) == 5
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert automatic_workers(_app("redis://127.0.0.1:6379/0")) == MAX_AUTO_WORKERS


def test_an_ipv6_address_is_bracketed_in_the_bind():
    assert ServeOptions("::", 8000, 1, 4, 60, 30).bind == "[::]:8000"
    assert ServeOptions("0.0.0.0", 8000, 1, 4, 60, 30).bind == "0.0.0.0:8000"


def test_the_master_freezes_the_preloaded_application_before_each_fork():
    """A worker's full garbage collection does not walk the objects built before the fork (a warmed worker's took
    150 ms with them): gunicorn's master moves them to the permanent generation just before forking."""
    server = GunicornServer(_app("memory://"), ServeOptions(host="127.0.0.1", port=8000, workers=1, threads=1,
                                                            timeout=30, graceful_timeout=30))
    built = [[n] for n in range(1000)]  # objects built before the fork, as the preloaded application's are
    ids = {id(item) for item in built}

    def collected() -> int:  # how many of them a collection walks (the permanent generation is in none)
        return len(ids & {id(o) for o in gc.get_objects()})

    assert collected() == len(built)
    frozen = gc.get_freeze_count()  # the suite's conftest freezes what it built
    server.cfg.pre_fork(None, None)
    assert collected() == 0
    assert gc.get_freeze_count() >= frozen + len(built)
