"""Single sign-on against a real, certified OpenID provider (oidc-provider on Node.js, tests/support/oidc): a
sign-in that creates the account with the role its group maps to, refusals (unverified e-mail, replayed state,
ID tokens for another audience, expired or with a tampered signature), the sign-in page without passwords, and an
SSO user's signature through a fresh login at the provider (auth_time checked). One provider for the module."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import Role
from reviewboard.auth.services import find_user_by_email
from reviewboard.models.base import utcnow
from reviewboard.records.services import build_record_data
from reviewboard.reviews.models import SignOff
from reviewboard.sso.client import SsoRefused, verify_id_token
from reviewboard.sso.models import SigningIntent
from reviewboard.sso.services import NO_LOCAL_PASSWORD
from tests.support.factories import PASSWORD
from tests.support.http import declare_no_conflict, post_form, token_for
from tests.support.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    log_in_at_provider,
    running_provider,
    tokens_for,
)

ROLE_MAP = {"rb-reviewers": ["reviewer"], "rb-chairs": ["chair", "reviewer"]}


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    with running_provider(tmp_path_factory.mktemp("oidc")) as url:
        yield url


@pytest.fixture
def sso(app, issuer, monkeypatch):
    settings = {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_PROVIDER_NAME": "Test IdP", "OIDC_ROLE_CLAIM": "groups", "OIDC_ROLE_MAP": ROLE_MAP}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return issuer


def events(db_session, action: str) -> list[dict]:
    rows = db_session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))
    return [json.loads(e.payload) for e in rows]


def sso_sign_in(client, user: str, **kwargs):
    """Start at ReviewBoard's button, log in at the provider, and bring its answer back; the callback's response."""
    start = client.get("/sso/login")
    assert start.status_code == 302
    return client.get(log_in_at_provider(start.headers["Location"], user, **kwargs).removeprefix("http://localhost"))


def test_sign_in_creates_the_account_with_its_mapped_role(client, db_session, sso):
    start = client.get("/sso/login?next=/queue")
    assert start.status_code == 302
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(f"{sso}/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["nonce"]
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == ["http://localhost/sso/callback"]

    back = client.get(log_in_at_provider(start.headers["Location"], "ada").removeprefix("http://localhost"))

    assert back.status_code == 302 and back.headers["Location"] == "/queue"
    user = find_user_by_email("ada@idp.test")
    assert user.name == "Ada Lovelace" and user.roles == {Role.REVIEWER}  # rb-reviewers; "staff" maps to nothing
    assert user.password_hash == NO_LOCAL_PASSWORD
    assert client.get("/queue").status_code == 200  # signed in
    created = events(db_session, "sso.user_created")
    assert created[-1]["after"] == {"email": "ada@idp.test", "name": "Ada Lovelace", "issuer": sso, "subject": "ada",
                                    "roles": ["reviewer"]}
    assert events(db_session, "sso.signed_in")[-1]["after"] == {"issuer": sso}
    # a local password never opens an account made by SSO
    client.post("/logout", data={"csrf_token": token_for(client, "/dashboard")})
    response = client.post("/login", data={"email": "ada@idp.test", "password": NO_LOCAL_PASSWORD,
                                           "csrf_token": token_for(client, "/login")})
    assert response.status_code == 200 and b"not correct" in response.data


def test_an_existing_account_is_matched_by_email_and_its_roles_follow_the_claim(client, db_session, make, sso):
    grace = make.user("submitter", email="grace@idp.test", name="Grace Hopper")
    db_session.commit()

    assert sso_sign_in(client, "grace").status_code == 302

    db_session.refresh(grace)
    assert grace.roles == {Role.CHAIR, Role.REVIEWER}  # rb-chairs, in place of the submitter role
    mapped = events(db_session, "sso.roles_mapped")[-1]
    assert mapped["before"] == {"roles": ["submitter"]}
    assert mapped["after"] == {"roles": ["chair", "reviewer"], "claim": "groups", "issuer": sso}
    assert events(db_session, "sso.linked")[-1]["after"] == {"issuer": sso, "subject": "grace"}


def test_an_unverified_email_is_refused(client, db_session, sso):
    back = sso_sign_in(client, "mallory")

    assert back.status_code == 303 and back.headers["Location"] == "/login"
    assert find_user_by_email("mallory@idp.test") is None
    assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "email_not_verified",
                                                              "email": "mallory@idp.test"}
    assert b"has not verified your e-mail" in client.get("/login").data
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_a_replayed_answer_is_refused(client, app, db_session, sso):
    start = client.get("/sso/login")
    answer = log_in_at_provider(start.headers["Location"], "linus").removeprefix("http://localhost")
    assert client.get(answer).status_code == 302 and find_user_by_email("linus@idp.test") is not None
    client.post("/logout", data={"csrf_token": token_for(client, "/dashboard")})

    for replayer in (client, app.test_client()):  # the same browser again, and someone who copied the URL
        again = replayer.get(answer)
        assert again.status_code == 303 and again.headers["Location"] == "/login"
        assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "state"}
        assert replayer.get("/dashboard").status_code == 302


def test_id_tokens_are_verified(app, db_session, sso):
    """Tokens the provider really signed: ReviewBoard's own (accepted), one issued to another client (wrong
    audience), the same one read after its expiry, and one whose payload was altered under its signature. The
    provider itself never sends the last three to ReviewBoard, so they are handed to the verification that the
    callback runs (verify_id_token) as an attacker or a misbehaving provider would."""
    ours = tokens_for(sso, "ada", nonce="nonce-ours")["id_token"]
    theirs = tokens_for(sso, "ada", client_id=OTHER_CLIENT_ID, client_secret=OTHER_CLIENT_SECRET,
                        nonce="nonce-ours")["id_token"]
    with app.test_request_context():
        good = verify_id_token(ours, "nonce-ours")
        assert good.issuer == sso and good.claims["email"] == "ada@idp.test" and good.claims["aud"] == CLIENT_ID

        def refusal(raw: str, nonce: str = "nonce-ours", **kwargs) -> str:
            with pytest.raises(SsoRefused) as refused:
                verify_id_token(raw, nonce, **kwargs)
            assert refused.value.reason == "id_token"
            return refused.value.detail["error"]

        assert "aud" in refusal(theirs)
        assert "expired" in refusal(ours, now=good.claims["exp"] + 3600).lower()
        assert "nonce" in refusal(ours, nonce="another-nonce")
        header, payload, signature = ours.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        forged = base64.urlsafe_b64encode(json.dumps({**claims, "email": "grace@idp.test"}).encode()).rstrip(b"=")
        assert "signature" in refusal(f"{header}.{forged.decode()}.{signature}").lower()
        flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
        assert "signature" in refusal(f"{header}.{payload}.{flipped}").lower()


def test_local_sign_in_can_be_turned_off(client, app, make, db_session, monkeypatch, sso):
    person = make.user("reviewer")
    db_session.commit()
    monkeypatch.setitem(app.config, "OIDC_LOCAL_LOGIN", False)

    page = client.get("/login")
    assert page.status_code == 200
    assert b"Sign in with Test IdP" in page.data and b'type="password"' not in page.data
    refused = client.post("/login", data={"email": person.email, "password": PASSWORD,
                                          "csrf_token": token_for(client, "/verify")})
    assert refused.status_code == 403
    assert client.get("/dashboard").status_code == 302  # the right password opened nothing


def test_without_a_provider_the_routes_do_not_exist(client, db_session):
    assert client.get("/sso/login").status_code == 404
    assert client.get("/sso/callback?state=x&code=y").status_code == 404
    assert b"Sign in with" not in client.get("/login").data


def _reviewer_at_the_form(client, db_session, make, sso, user: str):
    """A stage in review with the SSO user (signed in at the provider) assigned; the review form's data."""
    person = make.user("reviewer", email=f"{user}@idp.test", name=user.title())
    stage = make.submitted_stage()
    db_session.commit()
    assert sso_sign_in(client, user).status_code == 302
    declare_no_conflict(client, stage.id)
    page = client.get(f"/stages/{stage.id}")
    assert b"logging in again with Test IdP" in page.data and b'name="password"' not in page.data
    data = {f"v_{c.id}": "partially_meets" for c in stage.applicable_criteria()}
    data |= {f"r_{c.id}": f"Rationale typed for {c.code}" for c in stage.applicable_criteria()}
    return person, stage, {**data, "outcome": "request_changes", "comment": "See the rationales.",
                           "sign": "Sign decision"}


def test_an_sso_user_signs_after_a_fresh_login(client, db_session, make, sso):
    person, stage, data = _reviewer_at_the_form(client, db_session, make, sso, "ada")
    page = f"/stages/{stage.id}"

    leave = post_form(client, page, f"{page}/review", data)

    assert leave.status_code == 302
    query = parse_qs(urlsplit(leave.headers["Location"]).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    intent = db_session.scalars(select(SigningIntent).where(SigningIntent.user_id == person.id)).one()
    assert intent.round_number == stage.round_number and intent.decision["outcome"] == "request_changes"
    assert db_session.scalars(select(SignOff)).all() == []  # nothing signed before the login

    answer = log_in_at_provider(leave.headers["Location"], "ada").removeprefix("http://localhost")
    back = client.get(answer)

    assert back.status_code == 302 and back.headers["Location"] == page
    signoff = db_session.scalars(select(SignOff).where(SignOff.reviewer_id == person.id)).one()
    assert signoff.outcome.value == "request_changes" and signoff.comment == "See the rationales."
    assert signoff.authenticated_by == f"oidc {sso}"
    assert json.loads(signoff.signed_content)["authenticated_by"] == f"oidc {sso}"
    assert {v.rationale for v in stage.current_round.verdicts} == {
        f"Rationale typed for {c.code}" for c in stage.applicable_criteria()}
    assert b"Your decision is signed." in client.get(page).data
    signature = build_record_data(stage, 1, utcnow())["signatures"][0]  # what the record prints
    assert signature["authenticated_by"] == f"OpenID Connect login at {sso}"
    assert client.get(answer).status_code == 303  # the answer is used once
    assert db_session.scalars(select(SignOff).where(SignOff.reviewer_id == person.id)).one() == signoff


def test_a_stale_login_at_the_provider_signs_nothing(client, db_session, make, sso):
    """The provider reports an authentication from before the signing began (as one that ignored prompt=login
    and reused its session would): nothing is signed, the attempt is audited, the verdicts typed are kept."""
    person, stage, data = _reviewer_at_the_form(client, db_session, make, sso, "ada")
    page = f"/stages/{stage.id}"
    leave = post_form(client, page, f"{page}/review", data)

    back = client.get(log_in_at_provider(leave.headers["Location"], "ada", auth_age=300)
                      .removeprefix("http://localhost"))

    assert back.status_code == 303 and back.headers["Location"] == page
    assert db_session.scalars(select(SignOff)).all() == []
    failed = events(db_session, "signature.failed")[-1]["after"]
    assert failed["reason"] == "stale login at the identity provider" and failed["issuer"] == sso
    assert b"did not confirm a fresh login" in client.get(page).data
    assert {v.rationale for v in stage.current_round.verdicts} == {
        f"Rationale typed for {c.code}" for c in stage.applicable_criteria()}


def test_another_person_at_the_provider_cannot_complete_the_signature(client, db_session, make, sso):
    person, stage, data = _reviewer_at_the_form(client, db_session, make, sso, "ada")
    page = f"/stages/{stage.id}"
    leave = post_form(client, page, f"{page}/review", data)

    back = client.get(log_in_at_provider(leave.headers["Location"], "linus").removeprefix("http://localhost"))

    assert back.status_code == 303
    assert db_session.scalars(select(SignOff)).all() == []
    assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "signer_mismatch", "subject": "linus"}


@pytest.mark.parametrize("signed_in", [False, True])
def test_sso_routes_with_a_provider(client, db_session, make, sso, signed_in):
    """The access matrix of the SSO routes once a provider is configured (without one, tests/functional/
    test_permissions.py: 404): anyone may start a sign-in; a callback that nobody asked for is refused."""
    if signed_in:
        from tests.support.http import login

        person = make.user("reviewer")
        db_session.commit()
        login(client, person)
    start = client.get("/sso/login")
    assert start.status_code == 302
    assert (start.headers["Location"] == "/dashboard") if signed_in else start.headers["Location"].startswith(sso)
    stray = client.get("/sso/callback?state=forged&code=forged")
    assert stray.status_code == 303 and stray.headers["Location"] == ("/dashboard" if signed_in else "/login")
    assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "state"}


def test_a_password_signature_says_so(db_session, make):
    signoff = make.sign(make.user("reviewer"), make.submitted_stage())

    assert signoff.authenticated_by == "password"
    assert json.loads(signoff.signed_content)["authenticated_by"] == "password"


def test_a_signature_that_waited_too_long_is_not_made(client, app, db_session, make, monkeypatch, sso):
    from datetime import timedelta

    monkeypatch.setitem(app.config, "OIDC_SIGNING_TIMEOUT", timedelta(seconds=-1))  # expired as soon as kept
    person, stage, data = _reviewer_at_the_form(client, db_session, make, sso, "ada")
    page = f"/stages/{stage.id}"
    leave = post_form(client, page, f"{page}/review", data)

    back = client.get(log_in_at_provider(leave.headers["Location"], "ada").removeprefix("http://localhost"))

    assert back.status_code == 303
    assert db_session.scalars(select(SignOff)).all() == []
    assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "signing_expired"}


def test_a_deactivated_account_stays_closed(client, db_session, make, sso):
    from reviewboard.auth.services import set_active

    person = make.user("reviewer", email="linus@idp.test")
    set_active(make.user("chair"), person, False)
    db_session.commit()

    back = sso_sign_in(client, "linus")

    assert back.status_code == 303 and back.headers["Location"] == "/login"
    assert events(db_session, "sso.refused")[-1]["after"] == {"reason": "deactivated", "email": "linus@idp.test"}
    assert client.get("/dashboard").status_code == 302
