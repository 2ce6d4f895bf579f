"""Daily digests through the job queue: `reviewboard remind` builds each person's digest and, when jobs go to
workers (REDIS_URL, or JOBS_MODE=outbox), enqueues one job per person instead of sending inline; a worker
records the notices and sends the mail in one transaction. The job's key (day and person) makes a second
`remind` the same day ask for the same job, never a second mail.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date

from flask import current_app

from reviewboard.auth.models import User
from reviewboard.extensions import db
from reviewboard.i18n import as_read_by
from reviewboard.jobs import outbox
from reviewboard.notify.digest import Digest, Item
from reviewboard.notify.services import DigestSender, deliver

KIND = "digest.send"


def digests_queued() -> bool:
    return outbox.mode() in ("rq", "outbox")


def enqueue_digest(digest: Digest, today: date) -> None:
    """Queue the digest with its items' words already in its reader's language (the job carries strings)."""
    with as_read_by(digest.user):
        rendered = [replace(i, text=str(i.text), detail=str(i.detail)) for i in digest.items]
    items = [{**asdict(i), "due": i.due.isoformat() if i.due else None, "covers": list(i.covers)} for i in rendered]
    outbox.enqueue(KIND, f"{today.isoformat()} user {digest.user.id}",
                   {"user_id": digest.user.id, "day": today.isoformat(), "items": items})


def _prepare(payload: dict) -> dict:
    return payload


def _send(payload: dict, _prepared: dict) -> None:
    items = [Item(**{**i, "due": date.fromisoformat(i["due"]) if i["due"] else None, "covers": tuple(i["covers"])})
             for i in payload["items"]]
    sender = DigestSender(current_app.config)
    try:
        deliver(sender, Digest(db.session.get(User, payload["user_id"]), items), date.fromisoformat(payload["day"]))
    finally:
        sender.close()


outbox.handler(KIND, _prepare, _send)
