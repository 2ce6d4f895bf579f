"""Subscribing, emitting events from the audit trail, delivering (signed, through the job queue) and replaying.

Events come from the audit events that record the state changes (one place, so no service has to remember to
emit): each audit action in ACTION_EVENTS becomes a delivery to every active subscription to its event. A
delivery is a job ``webhook.deliver``; a failed attempt is logged on the delivery and the next attempt is a
new job row due after a growing delay (30 s, 2 min, 8 min, 32 min, ~2 h), which the worker's sweeper runs.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from standardwebhooks import Webhook

from reviewboard.audit.services import record_event
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.jobs.models import Job
from reviewboard.models.base import utcnow
from reviewboard.webhooks.models import (
    DELIVERED,
    FAILED,
    RETRYING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from reviewboard.webhooks.permissions import can_manage_webhooks
from reviewboard.webhooks.targets import check_target

log = logging.getLogger("reviewboard.webhooks")

EVENTS = ("stage.submitted", "stage.decided", "record.issued", "condition.overdue", "incident.reported",
          "certificate.issued", "certificate.status_changed")
ACTION_EVENTS = {"stage.submitted": "stage.submitted", "stage.resubmitted": "stage.submitted",
                 "stage.decided": "stage.decided", "record.issued": "record.issued",
                 "condition.overdue": "condition.overdue",
                 "incident.reported": "incident.reported", "certificate.issued": "certificate.issued",
                 "certificate.status_changed": "certificate.status_changed"}
JOB_KIND = "webhook.deliver"
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=30 * 4 ** (attempt - 1))


def subscribe(actor, url: str, events: list[str]) -> WebhookSubscription:
    if not can_manage_webhooks(actor):
        raise NotPermitted(_("Only chairs manage webhooks."))
    url = url.strip()
    if not url or len(url) > 2000:
        raise ServiceError(_("Give the URL to send events to (up to 2000 characters)."), "url")
    check_target(url)
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise ServiceError(_("Choose events among %(events)s.", events=", ".join(EVENTS)), "events")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    subscription = WebhookSubscription(url=url, events=sorted(set(events)), secret=secret, created_by_id=actor.id)
    db.session.add(subscription)
    db.session.flush()
    record_event(actor, "webhook.subscribed", "webhook_subscription", subscription.id,
                 after={"url": url, "events": subscription.events})
    return subscription


def unsubscribe(actor, subscription: WebhookSubscription) -> None:
    if not can_manage_webhooks(actor):
        raise NotPermitted(_("Only chairs manage webhooks."))
    if not subscription.active:
        return
    subscription.active = False
    db.session.flush()
    record_event(actor, "webhook.unsubscribed", "webhook_subscription", subscription.id,
                 before={"active": True}, after={"active": False})


def on_audit_event(event) -> None:
    """Called by record_event for every audit event: queue a delivery per subscriber to its webhook event."""
    name = ACTION_EVENTS.get(event.action)
    if name is None:
        return
    subscriptions = [s for s in db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.active))
                     if name in s.events]
    if not subscriptions:
        return
    body = json.dumps({"type": name, "timestamp": event.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                       "data": {"object": {"type": event.object_type, "id": event.object_id},
                                "audit_seq": event.seq, "actor": event.actor_name}},
                      separators=(",", ":"), sort_keys=True)
    for subscription in subscriptions:
        _queue(WebhookDelivery(subscription_id=subscription.id, message_id=f"msg_{secrets.token_hex(12)}",
                               event=name, body=body))


def _queue(delivery: WebhookDelivery) -> WebhookDelivery:
    db.session.add(delivery)
    db.session.flush()
    outbox.enqueue(JOB_KIND, f"delivery:{delivery.id}:1", {"delivery": delivery.id, "attempt": 1})
    return delivery


def replay(actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's message again as a new delivery (same event and body, a new message id)."""
    if not can_manage_webhooks(actor):
        raise NotPermitted(_("Only chairs manage webhooks."))
    if not delivery.subscription.active:
        raise ServiceError(_("This subscription was removed."), "delivery")
    again = _queue(WebhookDelivery(subscription_id=delivery.subscription_id, event=delivery.event, body=delivery.body,
                                   message_id=f"msg_{secrets.token_hex(12)}", replay_of_id=delivery.id))
    record_event(actor, "webhook.replayed", "webhook_delivery", again.id, after={"replay_of": delivery.id})
    return again


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could point at a private address
        return None


def signed_headers(subscription: WebhookSubscription, delivery: WebhookDelivery, now) -> dict:
    signature = Webhook(subscription.secret).sign(delivery.message_id, now, delivery.body)
    return {"webhook-id": delivery.message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature, "Content-Type": "application/json",
            "User-Agent": "ReviewBoard-Webhooks/1"}


def _send(payload: dict) -> dict | None:
    """The job's read step: POST the signed message; what came back, when and how long it took. None when it is
    no longer to be sent."""
    delivery = db.session.get(WebhookDelivery, payload["delivery"])
    if delivery is None or delivery.state == DELIVERED or not delivery.subscription.active:
        return None
    if db.session.scalar(select(WebhookAttempt.id).where(WebhookAttempt.delivery_id == delivery.id,
                                                         WebhookAttempt.number == payload["attempt"])) is not None:
        return None  # a worker past its lease made this attempt already (the row's unique key guards the store)
    subscription = delivery.subscription
    now = utcnow()
    started = time.monotonic()

    def result(status: int | None, error: str | None) -> dict:
        return {"status": status, "error": error, "at": now,
                "duration_ms": round((time.monotonic() - started) * 1000)}

    try:
        check_target(subscription.url)
    except ServiceError as exc:
        return result(None, exc.message)
    request = urllib.request.Request(subscription.url, data=delivery.body.encode(), method="POST",  # noqa: S310
                                     headers=signed_headers(subscription, delivery, now))
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return result(response.status, None)
    except urllib.error.HTTPError as exc:
        exc.close()
        return result(exc.code, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return result(None, f"{type(exc).__name__}: {exc}"[:500])


def _record_attempt(payload: dict, result: dict) -> None:
    """The job's write step: log the attempt (a row of its own, unique by number); on failure, the next
    attempt's job row, due after a delay."""
    delivery = db.session.get(WebhookDelivery, payload["delivery"])
    attempt = payload["attempt"]
    now = result.get("at") or utcnow()
    db.session.add(WebhookAttempt(delivery_id=delivery.id, number=attempt, attempted_at=now,
                                  status_code=result["status"], error=result["error"],
                                  duration_ms=result.get("duration_ms")))
    delivery.attempts = attempt
    delivery.last_attempt_at = now
    delivery.last_status_code = result["status"]
    delivery.last_error = result["error"]
    if result["status"] is not None and 200 <= result["status"] < 300:
        delivery.state = DELIVERED
        delivery.delivered_at = now
    elif attempt >= current_app.config.get("WEBHOOK_MAX_ATTEMPTS", MAX_ATTEMPTS):
        delivery.state = FAILED
        log.warning("webhook delivery %s failed for good after %s attempts: %s", delivery.id, attempt, result)
    else:
        delivery.state = RETRYING
        # a row, not enqueue(): it must wait for its time, so no worker is told now; the sweeper runs it when due
        db.session.add(Job(kind=JOB_KIND, key=f"delivery:{delivery.id}:{attempt + 1}",
                           payload={"delivery": delivery.id, "attempt": attempt + 1}, created_at=now,
                           run_after=now + backoff(attempt)))
    db.session.flush()


outbox.handler(JOB_KIND, _send, _record_attempt)
