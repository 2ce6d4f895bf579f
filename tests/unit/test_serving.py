"""How many gunicorn workers ``reviewboard serve`` starts when not told (ops/serving.py)."""

from __future__ import annotations

from flask import Flask

from reviewboard.ops.serving import MAX_AUTO_WORKERS, ServeOptions, automatic_workers


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
