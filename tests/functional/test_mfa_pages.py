"""Two-step verification over HTTP with CSRF on: a chair held at enrolment until they enrol (QR code, key,
first code, recovery codes shown once), sign-in asking for the code after the password (a replayed code
refused, a recovery code once), code attempts rate-limited, signing a decision with a code, turning it off.
Both engines."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.config import Defaults
from reviewboard.extensions import limiter
from reviewboard.mfa import services as mfa
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, login, logout, post_form
from tests.support.mfa import code, enrol, wrong_code


def _code_step(client, given: str):
    return post_form(client, "/login/code", "/login/code", {"code": given})


def test_a_chair_is_held_at_enrolment_until_they_enrol_through_the_pages(client, app, make, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    chair = make.user("chair")
    login(client, chair)
    for path in ("/dashboard", "/projects", "/admin/users", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/mfa", path
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "Your role requires two-step verification" in page

    assert post_form(client, "/account/mfa", "/account/mfa/start", {}).status_code == 302
    page = client.get("/account/mfa").get_data(as_text=True)
    assert re.search(r'<img src="data:image/svg\+xml[^"]+" alt="QR code', page)  # drawn by the app, inline
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert client.get("/dashboard").headers["Location"] == "/account/mfa"  # not enrolled before confirming

    refused = post_form(client, "/account/mfa", "/account/mfa/confirm", {"code": wrong_code(secret)})
    assert refused.status_code == 422 and "That code is not right" in refused.get_data(as_text=True)
    shown = post_form(client, "/account/mfa", "/account/mfa/confirm", {"code": code(secret)})
    assert shown.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{4}(?:-[a-z2-7]{4}){5})</li>", shown.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/dashboard").status_code == 200
    settings = client.get("/account/mfa").get_data(as_text=True)
    assert "Unused recovery codes: 10" in settings and codes[0] not in settings  # shown once


def test_sign_in_asks_for_a_code_after_the_password(client, make, db_session):
    user = make.user("reviewer")
    secret, codes = enrol(user)
    response = login(client, user)
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/dashboard").status_code == 302  # not signed in yet

    assert _code_step(client, wrong_code(secret)).status_code == 422
    now = code(secret)
    assert _code_step(client, now).status_code == 302
    assert client.get("/dashboard").status_code == 200
    logout(client)

    login(client, user)
    replayed = _code_step(client, now)
    assert replayed.status_code == 422 and "already used" in replayed.get_data(as_text=True)
    assert _code_step(client, codes[0]).status_code == 302  # a recovery code instead
    assert "9 remain" in client.get("/dashboard").get_data(as_text=True)
    logout(client)
    login(client, user)
    assert _code_step(client, codes[0]).status_code == 422  # once only
    assert client.get("/dashboard").status_code == 302


def test_the_code_step_is_only_for_a_right_password_and_rate_limited(client, app, make, monkeypatch):
    user = make.user("reviewer")
    secret, _ = enrol(user)
    assert client.get("/login/code").headers["Location"] == "/login"  # no password given: back to sign-in
    monkeypatch.setitem(app.config, "MFA_CODE_LIMIT_PER_ACCOUNT", "3 per minute")
    limiter.reset()
    try:
        login(client, user)
        answers = [_code_step(client, wrong_code(secret)).status_code for _ in range(4)]
        assert answers == [422, 422, 422, 429]
        assert _code_step(client, code(secret)).status_code == 429  # even the right code waits now
    finally:
        limiter.reset()


def test_signing_a_decision_needs_the_password_and_a_current_code(client, make, db_session):
    stage, reviewer = make.one_signature_short()
    secret, _ = enrol(reviewer)
    login(client, reviewer)
    sign_in_code = code(secret)
    assert _code_step(client, sign_in_code).status_code == 302
    declare_no_conflict(client, stage.id)
    url = f"/stages/{stage.id}"
    assert 'name="mfa_code"' in client.get(url).get_data(as_text=True)
    data = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
    data.update({"outcome": "approve", "email": reviewer.email, "password": PASSWORD, "sign": "Sign decision"})
    missing = post_form(client, url, f"{url}/review", data)
    assert missing.status_code == 422 and "authenticator app shows now" in missing.get_data(as_text=True)
    # the very code of the sign-in (not "the code now": a 30 s step may have begun since, whose code is new)
    used = post_form(client, url, f"{url}/review", {**data, "mfa_code": sign_in_code})
    assert used.status_code == 422 and "Nothing was signed" in used.get_data(as_text=True)
    signed = post_form(client, url, f"{url}/review", {**data, "mfa_code": code(secret, 1)})
    assert signed.status_code == 302, signed.get_data(as_text=True)[:2000]
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "signoff.signed")
                               .order_by(AuditEvent.seq.desc())).first()
    assert json.loads(event.payload)["after"]["authenticated_by"] == "password+totp"


def test_turning_it_off_needs_the_password_and_a_code(client, make, db_session):
    user = make.user("submitter")
    secret, codes = enrol(user)
    login(client, user)
    _code_step(client, codes[0])
    wrong = post_form(client, "/account/mfa", "/account/mfa/disable", {"password": "wrong", "code": codes[1]})
    assert wrong.status_code == 422 and mfa.is_enabled(user)
    done = post_form(client, "/account/mfa", "/account/mfa/disable", {"password": PASSWORD, "code": codes[1]})
    assert done.status_code == 302
    db_session.expire_all()
    assert not mfa.is_enabled(user)
    assert "mfa.disabled" in db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == str(user.id), AuditEvent.object_type == "user")).all()


def test_forms_without_the_csrf_token_change_nothing(client, make, smtp_server):
    user = make.user("submitter")
    login(client, user)
    assert client.post("/account/mfa/start", data={}).status_code == 400
    assert mfa.credential(user) is None
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 400
    assert smtp_server.messages == []
