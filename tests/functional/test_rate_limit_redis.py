"""Sign-in limits and the API's per-token limits are shared by every app server when Redis is configured, and
per process otherwise.

Two app servers are two ``reviewboard run`` processes on one database: each has its own Flask-Limiter
(a module singleton), so nothing in this test process is re-initialised and no other test can be
affected by its order. Each run uses its own key prefix and deletes its keys.

Redis is expected on ``RB_TEST_REDIS_URL`` (default redis://127.0.0.1:6379/0; .ci/run starts it). If it
cannot be reached the test FAILS, unless ``RB_TEST_NO_REDIS=1`` says the machine has no Redis.
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

from reviewboard.config import Defaults, from_environment
from tests.conftest import make_app
from tests.support.databases import fresh_database
from tests.support.live_server import Server, page_token

REDIS_URL = os.environ.get("RB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PER_ACCOUNT = int(Defaults.LOGIN_LIMIT_PER_ACCOUNT.split()[0])  # the production limit: 5 per minute
PER_TOKEN = 3  # the API's per-token limit in these servers (production: API_TOKEN_LIMIT, 600 per minute)


@pytest.fixture()
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("RB_TEST_NO_REDIS") == "1":
            pytest.skip(f"RB_TEST_NO_REDIS=1: no Redis on this machine ({exc})")
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}). Start it (.ci/run does), or set "
                    "RB_TEST_NO_REDIS=1 on a machine without Redis.")
    yield client
    client.close()


@pytest.fixture()
def key_prefix(redis_client):
    prefix = f"rbtest-{uuid.uuid4().hex[:12]}"
    yield prefix
    stale = list(redis_client.scan_iter(match=f"*{prefix}*"))
    if stale:
        redis_client.delete(*stale)
    assert not list(redis_client.scan_iter(match=f"*{prefix}*"))


@pytest.fixture(scope="module")
def database(tmp_path_factory, signing_dir):
    """A committed schema the server processes can share (sign-in needs the users table), with one person's
    personal access token for the API's limit."""
    from flask_migrate import upgrade

    from reviewboard.extensions import db
    from reviewboard.tokens.services import create_token
    from tests.support.factories import Factory

    tmp = tmp_path_factory.mktemp("redis-limits")
    with fresh_database("sqlite", tmp, "limits") as url:
        app = make_app(url, tmp, signing_dir)
        with app.app_context():
            upgrade()
            user = Factory(db.session).user("submitter")
            token = create_token(None, user, "limits", "read", None).secret
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield url, app.config["SECRET_KEY"], tmp, token


def _servers(database, signing_dir, count, env):
    url, secret, tmp, _token = database
    limits = {"REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": Defaults.LOGIN_LIMIT_PER_ACCOUNT,
              "REVIEWBOARD_LOGIN_LIMIT_PER_ADDRESS": Defaults.LOGIN_LIMIT_PER_ADDRESS,
              "REVIEWBOARD_API_TOKEN_LIMIT": f"{PER_TOKEN} per minute"}
    return [Server(url, secret, tmp, signing_dir, threaded=True, extra_env={**limits, **env}, name=f"app{i}")
            for i in range(count)]


def _failed_sign_in(base: str, email: str) -> int:
    http = requests.Session()
    token = page_token(http.get(base + "/login", timeout=10).text)
    return http.post(base + "/login", data={"email": email, "password": "not the password", "csrf_token": token},
                     allow_redirects=False, timeout=10).status_code


def _api_call(base: str, token: str) -> int:
    return requests.get(base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def _verify_upload(base: str) -> int:
    http = requests.Session()
    token = page_token(http.get(base + "/verify", timeout=10).text)
    return http.post(base + "/verify", data={"csrf_token": token}, files={"file": ("x.pdf", b"not a pdf")},
                     timeout=10).status_code


def test_two_app_servers_share_sign_in_and_api_token_counters_in_redis(database, signing_dir, redis_client, key_prefix):
    a, b = _servers(database, signing_dir, 2, {"REDIS_URL": REDIS_URL,
                                               "REVIEWBOARD_RATELIMIT_KEY_PREFIX": key_prefix,
                                               "REVIEWBOARD_VERIFY_LIMIT_PER_ADDRESS": "3 per minute"})
    email = f"{key_prefix}@example.test"
    with a, b:
        # the production limit's worth of failures, split across the two servers
        statuses = [_failed_sign_in((a if i % 2 else b).base, email) for i in range(PER_ACCOUNT)]
        assert statuses == [200] * PER_ACCOUNT
        assert list(redis_client.scan_iter(match=f"*{key_prefix}*")), "no counters were written to Redis"
        # the next attempt is refused by either server: they count together
        assert _failed_sign_in(a.base, email) == 429
        refused = requests.Session()
        token = page_token(refused.get(b.base + "/login", timeout=10).text)
        page = refused.post(b.base + "/login", data={"email": email, "password": "x" * 9, "csrf_token": token},
                            timeout=10)
        assert page.status_code == 429 and "Too many attempts" in page.text
        # another account is not affected
        assert _failed_sign_in(b.base, f"other-{key_prefix}@example.test") == 200
        # the public verify page's uploads from one address are counted together too
        assert [_verify_upload(server.base) for server in (a, b, a, b)] == [200, 200, 200, 429]
        # a personal access token's API calls are counted together too (Flask-Limiter's Redis storage)
        token = database[3]
        assert [_api_call(server.base, token) for server in (a, b, a, b)] == [200] * PER_TOKEN + [429]
        assert any(b"api-token:" in key for key in redis_client.scan_iter(match=f"*{key_prefix}*"))


def test_without_redis_each_app_server_counts_alone_in_memory(database, signing_dir, redis_client, key_prefix):
    a, b = _servers(database, signing_dir, 2, {"REVIEWBOARD_RATELIMIT_KEY_PREFIX": key_prefix})
    email = f"{key_prefix}@example.test"
    with a, b:
        statuses = [_failed_sign_in((a if i % 2 else b).base, email) for i in range(PER_ACCOUNT + 1)]
        assert statuses == [200] * (PER_ACCOUNT + 1)  # 3 + 3 attempts: neither server saw more than 5
        assert [_failed_sign_in(a.base, email) for _ in range(3)] == [200, 200, 429]  # a's own counter
        token = database[3]
        assert [_api_call(server.base, token) for server in (a, b, a, b)] == [200] * 4  # 2 + 2: each under 3
        assert [_api_call(a.base, token) for _ in range(2)] == [200, 429]
    assert not list(redis_client.scan_iter(match=f"*{key_prefix}*")), "memory storage wrote to Redis"


def test_redis_url_selects_the_limiter_storage(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("REVIEWBOARD_RATELIMIT_STORAGE_URI", raising=False)
    assert "RATELIMIT_STORAGE_URI" not in from_environment()
    assert Defaults.RATELIMIT_STORAGE_URI == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    # the explicit setting wins over the conventional variable
    monkeypatch.setenv("REVIEWBOARD_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/4")
    assert from_environment()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/4"


def test_this_process_limiter_still_uses_memory(app):
    """The server processes above never touch the limiter shared by the in-process tests."""
    from limits.storage import MemoryStorage

    from reviewboard.extensions import limiter

    with app.app_context():
        assert isinstance(limiter.storage, MemoryStorage)
