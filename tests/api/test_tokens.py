"""Personal access tokens: the account page (shown once, listed, revoked), the CLI, per-token rate limits."""

from __future__ import annotations

import re

from sqlalchemy import select

from reviewboard.tokens.models import AccessToken
from reviewboard.tokens.services import token_hash
from tests.api.helpers import bearer
from tests.support.http import login, token_for

SECRET = re.compile(r"rbp_[A-Za-z0-9_-]{43}")


def test_account_page_creates_shows_once_lists_and_revokes(client, make, db_session):
    user = make.user("submitter")
    login(client, user)
    csrf = token_for(client, "/account/tokens")
    created = client.post("/account/tokens", data={"csrf_token": csrf, "name": "CI of triage", "scope": "submit",
                                                   "expires": "30d"})
    assert created.status_code == 200
    secret = SECRET.search(created.text).group(0)
    token = db_session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    assert token.token_hash == token_hash(secret) and token.scopes == ["submit"]
    assert secret not in (token.prefix, token.name, token.token_hash)
    listed = client.get("/account/tokens")
    assert "CI of triage" in listed.text and secret not in listed.text and token.prefix in listed.text
    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=api).status_code == 200
    csrf = token_for(client, "/account/tokens")
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers=api).status_code == 401


def test_the_page_refuses_bad_input_and_another_persons_token(client, make, db_session):
    owner = make.user("submitter")
    bearer(owner)
    theirs = db_session.scalar(select(AccessToken).where(AccessToken.user_id == owner.id))
    login(client, make.user("submitter"))
    csrf = token_for(client, "/account/tokens")
    refused = client.post("/account/tokens", data={"csrf_token": csrf, "name": "", "scope": "root", "expires": "9y"})
    assert refused.status_code == 422 and not SECRET.search(refused.text)
    assert client.post(f"/account/tokens/{theirs.id}/revoke", data={"csrf_token": csrf}).status_code == 404
    no_csrf = client.post("/account/tokens", data={"name": "x", "scope": "read", "expires": "30d"})
    assert no_csrf.status_code == 400


def test_cli_prints_a_token_once(app, make, db_session):
    user = make.user("reviewer")
    result = app.test_cli_runner().invoke(args=["token", "create", user.email, "--scope", "read", "--expires", "2w"])
    assert result.exit_code == 0, result.output
    secret = SECRET.search(result.stdout).group(0)
    token = db_session.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(secret)))
    assert token.user_id == user.id and token.scopes == ["read"]
    assert 13 <= (token.expires_at - token.created_at).days <= 14
    bad = app.test_cli_runner().invoke(args=["token", "create", "nobody@example.test"])
    assert bad.exit_code != 0 and "No account" in bad.output
    bad = app.test_cli_runner().invoke(args=["token", "create", user.email, "--expires", "forever"])
    assert bad.exit_code != 0 and "lifetime" in bad.output


def test_each_token_has_its_own_rate_limit(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKEN_LIMIT", "3 per minute")
    user = make.user("submitter")
    first, second = bearer(user), bearer(user)
    assert [client.get("/api/v1/me", headers=first).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/me", headers=first)
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/me", headers=second).status_code == 200
