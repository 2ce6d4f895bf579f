"""The chairs' webhooks page: subscribe (the secret shown once; private targets refused by field, what was typed
kept), the delivery log with every attempt (paged), replay (POST with CSRF) and stopping with confirmation, each
an audit event; nobody but a chair reaches any of it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.models.base import utcnow
from reviewboard.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.support.http import login, token_for

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{32}")


def _last_action(db_session) -> str:
    return db_session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))


@pytest.fixture()
def hook(make, db_session):
    """A subscription with three deliveries: one failed twice then delivered, one that never got an answer."""
    chair = make.user("chair")
    sub = WebhookSubscription(url="https://hooks.example.org/rb", events=["stage.decided"], secret="whsec_x",
                              created_by_id=chair.id)
    db_session.add(sub)
    db_session.flush()
    now = utcnow()
    done = WebhookDelivery(subscription_id=sub.id, message_id="msg_done", event="stage.decided", body="{}",
                           state="delivered", attempts=3, last_status_code=200, last_attempt_at=now)
    lost = WebhookDelivery(subscription_id=sub.id, message_id="msg_lost", event="stage.decided", body="{}",
                           state="failed", attempts=1, last_error="ConnectionRefusedError", last_attempt_at=now)
    db_session.add_all([done, lost])
    db_session.flush()
    db_session.add_all([
        WebhookAttempt(delivery_id=done.id, number=1, attempted_at=now, status_code=503, error="HTTP 503",
                       duration_ms=12),
        WebhookAttempt(delivery_id=done.id, number=2, attempted_at=now, status_code=500, error="HTTP 500",
                       duration_ms=8),
        WebhookAttempt(delivery_id=done.id, number=3, attempted_at=now, status_code=200, duration_ms=5),
        WebhookAttempt(delivery_id=lost.id, number=1, attempted_at=now, error="ConnectionRefusedError: refused",
                       duration_ms=1)])
    db_session.flush()
    return {"chair": chair, "sub": sub, "done": done, "lost": lost}


def test_a_chair_subscribes_and_sees_the_secret_once(client, make, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_TARGETS", ("127.0.0.1:8999",))
    login(client, make.user("chair"))
    csrf = token_for(client, "/webhooks")
    created = client.post("/webhooks", data={"csrf_token": csrf, "url": "http://127.0.0.1:8999/hook",
                                             "events": ["stage.decided", "condition.overdue"]})
    assert created.status_code == 200
    secret = SECRET.search(created.text).group(0)
    sub = db_session.scalar(select(WebhookSubscription).where(WebhookSubscription.url == "http://127.0.0.1:8999/hook"))
    assert sub.secret == secret and sub.events == ["condition.overdue", "stage.decided"] and sub.active
    assert _last_action(db_session) == "webhook.subscribed"
    listed = client.get("/webhooks")
    assert "http://127.0.0.1:8999/hook" in listed.text and secret not in listed.text
    assert secret not in client.get(f"/webhooks/{sub.id}").text


def test_a_refused_subscription_names_the_field_and_keeps_what_was_typed(client, make, db_session):
    login(client, make.user("chair"))
    csrf = token_for(client, "/webhooks")
    private = client.post("/webhooks", data={"csrf_token": csrf, "url": "http://10.1.2.3/hook",
                                             "events": ["record.issued"]})
    assert private.status_code == 422
    assert "private, loopback or reserved" in private.text and 'value="http://10.1.2.3/hook"' in private.text
    assert re.search(r'value="record.issued"[^>]*checked|checked[^>]*value="record.issued"', private.text)
    assert 'href="#url"' in private.text  # the error summary links to the field
    no_events = client.post("/webhooks", data={"csrf_token": csrf, "url": "https://hooks.example.org/x"})
    assert no_events.status_code == 422 and "Choose at least one event." in no_events.text
    assert 'value="https://hooks.example.org/x"' in no_events.text
    assert db_session.scalar(select(WebhookSubscription.id)) is None
    assert client.post("/webhooks", data={"url": "https://hooks.example.org/x",
                                          "events": ["record.issued"]}).status_code == 400  # no CSRF token


def test_the_delivery_log_lists_every_attempt_paged(client, hook, app, monkeypatch):
    login(client, hook["chair"])
    page = client.get(f"/webhooks/{hook['sub'].id}")
    assert page.status_code == 200
    text = page.text
    assert all(code in text for code in ("HTTP 503", "HTTP 500", "HTTP 200", "no answer: ConnectionRefusedError"))
    assert "12 ms" in text and "msg_done" in text and "msg_lost" in text
    monkeypatch.setitem(app.config, "PER_PAGE", 1)
    first, second = client.get(f"/webhooks/{hook['sub'].id}"), client.get(f"/webhooks/{hook['sub'].id}?page=2")
    assert "msg_lost" in first.text and "msg_done" not in first.text  # newest first
    assert "msg_done" in second.text and "Page 2 of 2" in second.text


def test_a_chair_replays_a_delivery_with_a_csrf_post(client, hook, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_TARGETS", ())
    login(client, hook["chair"])
    url = f"/webhook-deliveries/{hook['lost'].id}/replay"
    assert client.post(url).status_code == 400  # no CSRF token: nothing sent
    csrf = token_for(client, f"/webhooks/{hook['sub'].id}")
    replayed = client.post(url, data={"csrf_token": csrf})
    assert replayed.status_code == 302 and replayed.headers["Location"].endswith(f"/webhooks/{hook['sub'].id}")
    again = db_session.scalar(select(WebhookDelivery).where(WebhookDelivery.replay_of_id == hook["lost"].id))
    assert again is not None and again.message_id != "msg_lost" and again.body == hook["lost"].body
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.replayed"))
    assert event.object_id == str(again.id)
    assert f"replay of {hook['lost'].id}" in client.get(f"/webhooks/{hook['sub'].id}").text


def test_stopping_needs_the_confirmation_and_keeps_the_log(client, hook, db_session):
    login(client, hook["chair"])
    url = f"/webhooks/{hook['sub'].id}/disable"
    csrf = token_for(client, f"/webhooks/{hook['sub'].id}")
    unconfirmed = client.post(url, data={"csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm." in unconfirmed.text
    db_session.refresh(hook["sub"])
    assert hook["sub"].active
    stopped = client.post(url, data={"csrf_token": csrf, "confirm": "y"})
    assert stopped.status_code == 302
    db_session.refresh(hook["sub"])
    assert not hook["sub"].active and _last_action(db_session) == "webhook.unsubscribed"
    page = client.get(f"/webhooks/{hook['sub'].id}")
    assert "stopped" in page.text and "msg_done" in page.text and "Replay delivery" not in page.text
    replay = client.post(f"/webhook-deliveries/{hook['done'].id}/replay", data={"csrf_token": csrf})
    assert replay.status_code == 409 and "removed" in replay.text


@pytest.mark.parametrize("role", ["submitter", "reviewer", "auditor"])
def test_only_chairs_reach_the_webhooks_pages(client, hook, make, role):
    login(client, make.user(role))
    csrf = token_for(client, "/dashboard")
    assert client.get("/webhooks").status_code == 403
    assert client.get(f"/webhooks/{hook['sub'].id}").status_code == 403
    assert client.post("/webhooks", data={"csrf_token": csrf, "url": "https://hooks.example.org/y",
                                          "events": ["stage.decided"]}).status_code == 403
    assert client.post(f"/webhooks/{hook['sub'].id}/disable",
                       data={"csrf_token": csrf, "confirm": "y"}).status_code == 403
    assert client.post(f"/webhook-deliveries/{hook['lost'].id}/replay", data={"csrf_token": csrf}).status_code == 403
