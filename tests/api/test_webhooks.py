"""Webhooks reach a real HTTP receiver on a free loopback port, which checks the Standard Webhooks signature
with the standardwebhooks package; failures are retried later, logged, and a chair can replay a delivery."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from reviewboard.audit.models import AuditEvent
from reviewboard.jobs import outbox
from reviewboard.jobs.models import Job
from reviewboard.models.base import utcnow
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.api.helpers import bearer


class Receiver:
    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture()
def receiver(app, monkeypatch):
    r = Receiver()
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_TARGETS", (f"127.0.0.1:{r.port}",))
    yield r
    r.close()


def _subscribe(client, chair, url, events):
    return client.post("/api/v1/webhooks", json={"url": url, "events": events}, headers=bearer(chair, "admin"))


def test_signed_delivery_reaches_the_receiver_and_is_logged(client, make, receiver):
    chair = make.user("chair")
    created = _subscribe(client, chair, f"http://127.0.0.1:{receiver.port}/hook", ["stage.submitted"])
    assert created.status_code == 201, created.get_json()
    secret = created.get_json()["secret"]
    stage = make.submitted_stage()
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    payload = Webhook(secret).verify(body, headers)  # raises on a bad signature or an old timestamp
    assert payload["type"] == "stage.submitted" and payload["data"]["object"] == {"type": "stage_review",
                                                                                  "id": str(stage.id)}
    with pytest.raises(Exception):  # noqa: B017 - the package's own verification error
        Webhook(secret).verify(body.replace(b"stage", b"STAGE"), headers)
    log = client.get(f"/api/v1/webhooks/{created.get_json()['id']}/deliveries", headers=bearer(chair, "admin"))
    entry = log.get_json()[0]
    assert entry["state"] == "delivered" and entry["last_status_code"] == 200
    assert entry["message_id"] == headers["webhook-id"]


def test_a_failed_delivery_is_retried_later_then_replayed(client, make, receiver, db_session):
    chair = make.user("chair")
    headers = bearer(chair, "admin")
    sub = _subscribe(client, chair, f"http://127.0.0.1:{receiver.port}/hook", ["stage.submitted"]).get_json()
    receiver.status = 503
    make.submitted_stage()
    entry = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=headers).get_json()[0]
    assert entry["state"] == "retrying" and entry["last_status_code"] == 503 and entry["attempts"] == 1
    retry = db_session.scalar(select(Job).where(Job.key == f"delivery:{entry['id']}:2"))
    assert retry is not None and retry.status == "pending"
    assert (retry.run_after - utcnow()).total_seconds() > 20  # waits for its time (backoff), not sent at once
    receiver.status = 200
    outbox._run_in_transaction(retry)  # what the sweeper does once it is due
    entry = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=headers).get_json()[0]
    assert entry["state"] == "delivered" and entry["attempts"] == 2
    # one log row per attempt, not only the last
    log = entry["attempt_log"]
    assert [(a["number"], a["status_code"], a["error"]) for a in log] == [(1, 503, "HTTP 503"), (2, 200, None)]
    assert all(a["duration_ms"] >= 0 and a["attempted_at"] for a in log)
    assert log[0]["attempted_at"] <= log[1]["attempted_at"]
    first_id, second_id = receiver.received[0][0]["webhook-id"], receiver.received[1][0]["webhook-id"]
    assert first_id == second_id  # a retry is the same message
    replayed = client.post(f"/api/v1/webhook-deliveries/{entry['id']}/replay", headers=headers)
    assert replayed.status_code == 202 and replayed.get_json()["replay_of_id"] == entry["id"]
    assert len(receiver.received) == 3 and receiver.received[2][0]["webhook-id"] != first_id
    assert json.loads(receiver.received[2][1]) == json.loads(receiver.received[0][1])


def test_private_targets_are_refused_unless_allowed(client, make, app):
    chair = make.user("chair")
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[::1]/x", "http://169.254.169.254/",
                "ftp://example.org/", "http://user:pw@example.org/", "not a url"):
        response = _subscribe(client, chair, url, ["stage.decided"])
        assert response.status_code == 422 and response.get_json()["field"] == "url", url
    response = _subscribe(client, chair, "https://example.org/hook", ["nonsense"])
    assert response.status_code == 422 and response.get_json()["field"].startswith("events")


def test_only_chairs_manage_webhooks(client, make):
    for role in ("submitter", "reviewer", "auditor"):
        user = make.user(role)
        assert client.get("/api/v1/webhooks", headers=bearer(user, "admin")).status_code == 403
    chair = make.user("chair")
    assert client.get("/api/v1/webhooks", headers=bearer(chair, "submit")).status_code == 403  # scope
    assert client.get("/api/v1/webhooks", headers=bearer(chair, "admin")).status_code == 200


def test_unsubscribed_targets_get_nothing(client, make, receiver):
    chair = make.user("chair")
    sub = _subscribe(client, chair, f"http://127.0.0.1:{receiver.port}/hook", ["stage.submitted"]).get_json()
    assert client.delete(f"/api/v1/webhooks/{sub['id']}", headers=bearer(chair, "admin")).status_code == 204
    make.submitted_stage()
    assert receiver.received == []
    assert outbox.HANDLERS["webhook.deliver"]


def test_a_condition_becoming_overdue_is_one_audited_event_and_one_webhook(app, client, make, receiver, db_session,
                                                                          monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)  # the digests are logged
    chair = make.user("chair")
    sub = _subscribe(client, chair, f"http://127.0.0.1:{receiver.port}/hook", ["condition.overdue"]).get_json()
    stage = make.submitted_stage()
    due = utcnow().date() + timedelta(days=3)
    first, second = make.reviewers(2)
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[ConditionEntry("Publish the model card", stage.project.owner.id, due)])
    make.sign(second, stage)
    [condition] = stage.conditions
    runner = app.test_cli_runner()

    def remind(day):
        result = runner.invoke(args=["remind", "--date", day.isoformat()], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        db_session.expire_all()
        return result.output

    assert "overdue" not in remind(due)  # due today: not yet overdue
    assert f"condition {condition.id} " in remind(due + timedelta(days=1))
    assert f"condition {condition.id} " not in remind(due + timedelta(days=8))  # once per condition
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "condition.overdue")).all()
    assert [(e.object_id, e.actor_id) for e in events] == [(str(condition.id), None)]
    assert json.loads(events[0].payload)["after"]["due_date"] == due.isoformat()
    [(headers, body)] = receiver.received
    payload = Webhook(sub["secret"]).verify(body, headers)
    assert payload["type"] == "condition.overdue"
    assert payload["data"]["object"] == {"type": "condition", "id": str(condition.id)}
    [entry] = client.get(f"/api/v1/webhooks/{sub['id']}/deliveries", headers=bearer(chair, "admin")).get_json()
    assert entry["state"] == "delivered" and entry["event"] == "condition.overdue"
