"""Sending digests (SMTP when configured, otherwise a structured log line) and remembering what was sent.

Delivery happens inside the caller's transaction, after the notice rows are flushed: if sending fails
the notices roll back with it, and the CLI commits after each person so a crash mid-run never resends
to the people already done.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.extensions import db
from reviewboard.i18n import as_read_by
from reviewboard.notify.digest import Digest, build_digests  # noqa: F401  (re-exported for the CLI)
from reviewboard.notify.models import Notice

log = logging.getLogger("reviewboard.notify")
# When SMTP is not configured the log line IS the delivery: keep it even when the CLI quiets the app's logs.
digest_log = logging.getLogger("reviewboard.notify.digests")
digest_log.setLevel(logging.INFO)


def render_message(digest: Digest, today: date, sender: str) -> EmailMessage:
    """The digest as a plain-text e-mail with an HTML alternative, in its reader's profile language."""
    with as_read_by(digest.user):
        return _message(digest, today, sender)


def _message(digest: Digest, today: date, sender: str) -> EmailMessage:
    context = {"digest": digest, "today": today, "organisation": current_app.config["ORGANISATION_NAME"]}
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = digest.user.email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("notify/digest.txt", **context))
    message.add_alternative(render_template("notify/digest.html", **context), subtype="html")
    return message


class DigestSender:
    """Delivers digests through one SMTP connection (opened on first use), or logs them."""

    def __init__(self, config):
        self.host = config.get("SMTP_HOST") or None
        self.port = int(config.get("SMTP_PORT") or 25)
        self.user = config.get("SMTP_USER") or None
        self.password = config.get("SMTP_PASSWORD") or ""
        self.starttls = config.get("SMTP_STARTTLS", False)
        self.sender = config.get("MAIL_FROM") or "ReviewBoard <reviewboard@localhost>"
        self._smtp: smtplib.SMTP | None = None

    @property
    def channel(self) -> str:
        return "smtp" if self.host else "log"

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=30)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            self._smtp = smtp
        return self._smtp

    def send(self, digest: Digest, today: date) -> None:
        message = render_message(digest, today, self.sender)
        if self.channel == "smtp":
            self._connection().send_message(message)
            log.info("digest sent to user=%s items=%s via smtp", digest.user.id, len(digest.items))
            return
        with as_read_by(digest.user):  # the log line is the delivery: in its reader's language
            digest_log.info("reminder.digest %s", json.dumps({
                "to": digest.user.email, "user_id": digest.user.id, "subject": digest.subject,
                "date": today.isoformat(),
                "items": [{"key": i.key, "section": i.section, "text": str(i.text), "detail": str(i.detail),
                           "link": i.link} for i in digest.items]}, ensure_ascii=False))

    def send_message(self, message: EmailMessage) -> None:
        """Send another kind of mail (a password-reset link) through the same SMTP settings and connection."""
        self._connection().send_message(message)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except smtplib.SMTPException:
                self._smtp.close()
            self._smtp = None


def record_sent(digest: Digest, channel: str) -> list[Notice]:
    """Remember every key of the digest (covered lesser keys included) for its recipient; flushes."""
    known = set(db.session.scalars(select(Notice.key).where(Notice.user_id == digest.user.id)))
    notices = []
    with as_read_by(digest.user):  # what they were told, as they read it
        subjects = [str(item.text)[:300] for item in digest.items]
    for item, subject in zip(digest.items, subjects, strict=True):
        for key in item.keys:
            if key in known:
                continue
            known.add(key)
            notices.append(Notice(user_id=digest.user.id, key=key, kind=item.kind, subject=subject, channel=channel))
    db.session.add_all(notices)
    db.session.flush()
    record_event(None, "notify.digest_sent", "user", digest.user.id,
                 after={"channel": channel, "keys": [i.key for i in digest.items]})
    return notices


def deliver(sender: DigestSender, digest: Digest, today: date) -> None:
    """Record the digest's notices, then send it; the caller commits (or rolls back if sending fails)."""
    record_sent(digest, sender.channel)
    sender.send(digest, today)
