"""Password reset by e-mail, over HTTP with CSRF on and a real SMTP server (aiosmtpd on a free port): the mail
arrives, its link works once and ends every session, an expired link is refused, an unknown or deactivated
address gets the same page and no mail, and the requests are rate-limited per account. Both engines."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth import services as accounts
from reviewboard.config import Defaults
from reviewboard.extensions import limiter
from reviewboard.models.base import utcnow
from reviewboard.reset.models import PasswordResetToken
from tests.support.factories import PASSWORD
from tests.support.http import login, post_form

NEW_PASSWORD = "a fresh lighthouse passphrase"  # noqa: S105


def _ask(client, email: str):
    return post_form(client, "/password/forgot", "/password/forgot", {"email": email})


def _link(mail) -> str:
    """The reset link of a mail, as a path with its query (the test client's)."""
    url = re.search(r"https?://\S+/password/reset\?token=\S+", mail.get_content()).group(0)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    """Post the reset form of ``link`` (with a CSRF token from a page that is there whether or not the link works)."""
    return post_form(client, "/password/forgot", "/password/reset", {"token": link.split("token=", 1)[1],
                                                                     "new_password": password})


def test_the_sign_in_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_the_mailed_link_sets_a_new_password_once_and_ends_every_session(client, app, make, db_session, smtp_server):
    user = make.user("submitter")
    other_device = app.test_client()
    login(other_device, user)
    assert other_device.get("/dashboard").status_code == 200

    page = _ask(client, user.email.upper())
    assert page.status_code == 200 and "Check your e-mail" in page.get_data(as_text=True)
    [mail] = smtp_server.to(user.email)
    assert mail["Subject"] == "Reset your ReviewBoard password"
    link = _link(mail)
    token = link.split("token=", 1)[1]
    stored = db_session.scalars(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id)).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only its SHA-256 is kept
    assert stored.expires_at - stored.created_at == timedelta(minutes=30)

    assert client.get(link).status_code == 200
    weak = _set_password(client, link, "password")  # the same password rules as everywhere; the link survives it
    assert weak.status_code == 422 and "commonly used" in weak.get_data(as_text=True)
    done = _set_password(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert other_device.get("/dashboard").status_code == 302  # every session ended
    db_session.expire_all()
    assert accounts.authenticate(user.email, PASSWORD) is None
    assert accounts.authenticate(user.email, NEW_PASSWORD) is not None
    assert client.get(link).status_code == 410  # single use
    assert _set_password(client, link, "another good passphrase").status_code == 410
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user",
                                                                 AuditEvent.object_id == str(user.id))).all()
    assert "password_reset.link_sent" in actions and "user.password_reset" in actions


def test_an_expired_link_is_refused(client, make, db_session, smtp_server):
    user = make.user("reviewer")
    _ask(client, user.email)
    link = _link(smtp_server.to(user.email)[0])
    assert client.get(link).status_code == 200
    stored = db_session.scalars(select(PasswordResetToken).where(PasswordResetToken.user_id == user.id)).one()
    stored.created_at, stored.expires_at = utcnow() - timedelta(minutes=31), utcnow() - timedelta(minutes=1)
    db_session.flush()
    assert client.get(link).status_code == 410
    assert _set_password(client, link).status_code == 410
    db_session.expire_all()
    assert accounts.authenticate(user.email, PASSWORD) is not None


def test_a_new_password_voids_the_other_links(client, make, smtp_server):
    user = make.user("submitter")
    _ask(client, user.email)
    _ask(client, user.email)
    first, second = (_link(m) for m in smtp_server.to(user.email))
    assert _set_password(client, second).status_code == 302
    assert client.get(first).status_code == 410


def test_an_unknown_or_deactivated_address_gets_the_same_page_and_no_mail(client, make, db_session, smtp_server):
    known = make.user("submitter", email="known.person@example.org")
    gone = make.user("submitter", email="gone.person@example.org")
    accounts.set_active(make.user("chair"), gone, False)
    db_session.flush()

    def page_for(email):
        body = _ask(client, email).get_data(as_text=True)
        body = re.sub(r'name="csrf_token"[^>]*>', "", body)
        return body.replace(email, "ADDRESS")

    known_page = page_for(known.email)
    assert page_for("nobody.here@example.org") == known_page
    assert page_for(gone.email) == known_page
    assert [rcpts for rcpts, _ in smtp_server.messages] == [[known.email]]
    assert db_session.scalars(select(PasswordResetToken).where(PasswordResetToken.user_id == gone.id)).all() == []


def test_requests_are_limited_per_account(client, app, make, monkeypatch, smtp_server):
    user = make.user("submitter")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LIMIT_PER_ACCOUNT", Defaults.PASSWORD_RESET_LIMIT_PER_ACCOUNT)
    limiter.reset()
    try:
        answers = [_ask(client, user.email).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        assert len(smtp_server.to(user.email)) == 3
        assert _ask(client, "someone.else@example.org").status_code == 200  # another account's counter
    finally:
        limiter.reset()
