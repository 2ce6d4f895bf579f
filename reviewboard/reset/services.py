"""Asking for a reset link and using it.

The request answers the same whether or not the address belongs to an account: the lookup and one job row are
the whole of its work either way (the row for an unknown address carries no user and does nothing). The link is
made and mailed by that job after the request's commit (jobs/outbox.py), so the answer never waits for the mail
server, and the link's secret is never stored: the job draws it, keeps its SHA-256 and puts it in the e-mail.
A deactivated account gets no link. Using a link sets the password (the same rules as everywhere), voids the
person's other links and ends every session (the session token is rotated); it does not sign anyone in, so an
account with two-step verification still asks for a code at the next sign-in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User, new_session_token
from reviewboard.auth.passwords import hash_password, password_problem
from reviewboard.auth.services import find_user_by_email
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.i18n import select_language
from reviewboard.i18n.languages import babel_locale
from reviewboard.jobs import outbox
from reviewboard.models.base import utcnow
from reviewboard.notify.services import DigestSender
from reviewboard.reset.models import PasswordResetToken

KIND = "password_reset.send"
log = logging.getLogger("reviewboard.security")
mail_log = logging.getLogger("reviewboard.notify.digests")  # the log that is the delivery when SMTP is not set


class LinkUnusable(ServiceError):
    """The link is unknown, used, expired, or its account deactivated (one message for all)."""

    status = 410

    def __init__(self):
        super().__init__("This reset link has expired or was already used. Ask for a new one.")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(email: str) -> None:
    """Queue the reset mail of the account with this address, if any (see the module's docstring)."""
    user = find_user_by_email(email)
    if user is None:
        log.info("password_reset.requested account=unknown")
    outbox.enqueue(KIND, f"{utcnow().isoformat()} {secrets.token_hex(8)}",
                   {"user_id": user.id if user is not None else None})


def usable_link(token: str) -> PasswordResetToken | None:
    if not token or len(token) > 100:
        return None
    found = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token)))
    return found if found is not None and found.usable(utcnow()) else None


def reset_password(token: str, new_password: str) -> User:
    """Set the password of the link's account. Raises LinkUnusable (410), or ServiceError on field
    "new_password" when the password breaks the rules (the link stays usable)."""
    link = usable_link(token)
    if link is None:
        raise LinkUnusable()
    problem = password_problem(new_password or "")
    if problem:
        raise ServiceError(problem, "new_password")
    now = utcnow()
    taken = db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.id == link.id, PasswordResetToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # the same link used by another request meanwhile
        raise LinkUnusable()
    db.session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == link.user_id, PasswordResetToken.used_at.is_(None)).values(used_at=now)
        .execution_options(synchronize_session=False))
    user = link.user
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.session_token = new_session_token()  # every session of the account ends
    db.session.flush()
    record_event(user, "user.password_reset", "user", user.id, after={"link_id": link.id})
    log.info("password_reset.used user=%s", user.id)
    return user


def _message(user: User, link: str, sender: str) -> EmailMessage:
    """The reset e-mail, in the account's profile language, or the page's (the browser that asked) when the
    person chose none."""
    with force_locale(babel_locale(user.language or select_language())):
        return _compose(user, link, sender)


def _compose(user: User, link: str, sender: str) -> EmailMessage:
    minutes = int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)
    context = {"user": user, "link": link, "minutes": minutes, "organisation": current_app.config["ORGANISATION_NAME"]}
    message = EmailMessage()
    message["Subject"] = _("Reset your ReviewBoard password")
    message["From"] = sender
    message["To"] = user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("reset/mail.txt", **context))
    return message


def _prepare(payload: dict) -> dict | None:
    return payload if payload.get("user_id") is not None else None  # an unknown address: nothing to send


def _send(payload: dict, _prepared: dict) -> None:
    user = db.session.get(User, payload["user_id"])
    if user is None or not user.active:
        log.info("password_reset.refused user=%s (deactivated)", payload["user_id"])
        return
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = PasswordResetToken(user_id=user.id, token_hash=_digest(token), created_at=now,
                              expires_at=now + current_app.config["PASSWORD_RESET_TTL"])
    db.session.add(link)
    db.session.flush()
    record_event(None, "password_reset.link_sent", "user", user.id,
                 after={"link_id": link.id, "expires_at": link.expires_at.isoformat()})
    url = current_app.config["PUBLIC_URL"].rstrip("/") + "/password/reset?" + urlencode({"token": token})
    sender = DigestSender(current_app.config)
    try:
        if sender.channel == "smtp":
            sender.send_message(_message(user, url, sender.sender))
        elif current_app.config["REVIEWBOARD_ENV"] == "demo":  # the local demo has no mail server: the log is it
            mail_log.info("password_reset.mail %s", json.dumps({"to": user.email, "link": url}))
        else:
            log.error("password_reset.not_sent user=%s: SMTP_HOST is not set", user.id)
    finally:
        sender.close()


outbox.handler(KIND, _prepare, _send)
