"""Who may call what: a role x endpoint matrix over the API, as test_permissions.py does for the pages.

Every /api/v1 rule and method must be in MATRIX (or PUBLIC): a new endpoint without its row fails
``test_every_api_endpoint_is_in_the_matrix``. Each person holds an admin-scope token, so that what is checked
here is the person's role and the predicates (the scopes are tested in test_api_basics.py).
"""

from __future__ import annotations

import io
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.incidents.services import Report, Upload, report_incident
from reviewboard.models.base import utcnow
from reviewboard.records.models import Record
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.api.helpers import project_body
from tests.conftest import shared_session
from tests.support.certificates import certified
from tests.support.factories import Factory

ROLES = ("owner", "other submitter", "reviewer", "chair", "auditor")

# (method, endpoint) -> (path, body or None, statuses in the order of ROLES)
MATRIX = {
    ("GET", "api.me"): ("/me", None, (200, 200, 200, 200, 200)),
    ("GET", "api.list_projects"): ("/projects", None, (200, 200, 200, 200, 200)),
    ("POST", "api.create_project"): ("/projects", "project", (201, 201, 403, 403, 403)),
    ("GET", "api.get_project"): ("/projects/{project}", None, (200, 404, 200, 200, 200)),
    # the owner's stage is in review: not editable now (as on the edit page, 403 from the service)
    ("PUT", "api.update_project"): ("/projects/{project}", "project", (403, 404, 403, 403, 403)),
    ("GET", "api.get_tier"): ("/projects/{project}/tier", None, (200, 404, 200, 200, 200)),
    ("GET", "api.list_stages"): ("/projects/{project}/stages", None, (200, 404, 200, 200, 200)),
    ("GET", "api.get_stage"): ("/stages/{stage}", None, (200, 404, 200, 200, 200)),
    ("POST", "api.submit_stage"): ("/stages/{draft_stage}/submit", "submit", (200, 404, 403, 403, 403)),
    ("POST", "api.upload_evidence"): ("/stages/{draft_stage}/evidence", "evidence", (201, 404, 403, 403, 403)),
    # a reviewer of the round declares conflicts of interest first (as on the pages)
    ("GET", "api.download_evidence"): ("/evidence/{evidence}", None, (200, 404, 403, 200, 200)),
    # as the stage page: a reviewer of the round declares conflicts of interest before reading its review
    ("GET", "api.list_rounds"): ("/stages/{stage}/rounds", None, (200, 404, 403, 200, 200)),
    ("GET", "api.queue"): ("/queue", None, (403, 403, 200, 200, 403)),
    ("GET", "api.list_records"): ("/records", None, (200, 200, 200, 200, 200)),
    ("GET", "api.get_record"): ("/records/{record}", None, (200, 404, 200, 200, 200)),
    ("GET", "api.download_record"): ("/records/{record}/pdf", None, (200, 404, 200, 200, 200)),
    ("GET", "api.record_data"): ("/records/{record}/data", None, (200, 404, 200, 200, 200)),
    ("GET", "api.audit_events"): ("/audit/events", None, (403, 403, 403, 200, 200)),
    ("GET", "api.audit_verify"): ("/audit/verify", None, (403, 403, 403, 200, 200)),
    ("GET", "api.list_versions"): ("/projects/{project}/versions", None, (200, 404, 200, 200, 200)),
    ("POST", "api.add_version"): ("/projects/{project}/versions", "version", (201, 404, 403, 403, 403)),
    ("GET", "api.list_conditions"): ("/conditions", None, (200, 200, 200, 200, 200)),
    ("GET", "api.get_condition"): ("/conditions/{condition}", None, (200, 404, 200, 200, 200)),
    ("POST", "api.respond_condition"): ("/conditions/{condition}/response", "condition", (200, 404, 403, 403, 403)),
    # a chair or a reviewer of the stage decides; closing is refused to others, reopening an open one is a 409
    ("POST", "api.close_condition"): ("/conditions/{condition}/close", "decide", (403, 404, 403, 200, 403)),
    ("POST", "api.reopen_condition"): ("/conditions/{condition}/reopen", "decide", (403, 404, 403, 409, 403)),
    ("GET", "api.list_incidents"): ("/projects/{project}/incidents", None, (200, 404, 200, 200, 200)),
    ("GET", "api.get_incident"): ("/incidents/{incident}", None, (200, 404, 200, 200, 200)),
    ("GET", "api.list_certificates"): ("/certificates", None, (200, 200, 200, 200, 200)),
    ("GET", "api.get_certificate"): ("/certificates/{certificate}", None, (200, 404, 200, 200, 200)),
    ("GET", "api.certificate_envelope"): ("/certificates/{certificate}/envelope", None, (200, 404, 200, 200, 200)),
    ("GET", "api.certificate_pdf"): ("/certificates/{certificate}/pdf", None, (200, 404, 200, 200, 200)),
    ("GET", "api.list_webhooks"): ("/webhooks", None, (403, 403, 403, 200, 403)),
    ("POST", "api.create_webhook"): ("/webhooks", "webhook", (403, 403, 403, 201, 403)),
    ("DELETE", "api.delete_webhook"): ("/webhooks/{webhook}", None, (403, 403, 403, 204, 403)),
    ("GET", "api.list_deliveries"): ("/webhooks/{webhook}/deliveries", None, (403, 403, 403, 200, 403)),
    ("POST", "api.replay_delivery"): ("/webhook-deliveries/{delivery}/replay", None, (403, 403, 403, 202, 403)),
}
PUBLIC = {("GET", "api.openapi_json"): "/openapi.json", ("GET", "api.docs"): "/docs"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def world(app, world_connection):
    from reviewboard.tokens.services import create_token

    # webhook targets: a loopback port nobody listens on (a replay's delivery is refused at once)
    closed_port = _closed_port()
    allowed = app.config["WEBHOOK_ALLOWED_TARGETS"]
    app.config["WEBHOOK_ALLOWED_TARGETS"] = (f"127.0.0.1:{closed_port}",)
    with shared_session(app, world_connection) as session:
        make = Factory(session)
        people = {"owner": make.user("submitter"), "other submitter": make.user("submitter"),
                  "reviewer": make.user("reviewer"), "chair": make.user("chair"), "auditor": make.user("auditor"),
                  "deactivated": make.user("reviewer", "chair", "auditor")}
        stage = make.submitted_stage(owner=people["owner"])
        draft = make.project(people["owner"])
        make.evidence(draft.stages[0])
        decided = make.submitted_stage(owner=people["owner"])
        due = utcnow().date() + timedelta(days=30)
        for i, reviewer in enumerate(make.reviewers(decided.quorum)):
            make.verdicts(reviewer, decided)
            make.sign(reviewer, decided, Outcome.APPROVE_WITH_CONDITIONS, conditions=[
                ConditionEntry(f"Publish the model card {i}", people["owner"].id, due)])
        _project, certificate, _reviewers = certified(make, owner=people["owner"])
        incident = report_incident(people["owner"], stage.project, Report(
            "Alarm missed", "The alarm was not shown.", "major", utcnow().date()), [Upload("log.md", b"# Log\n")])
        record = session.scalars(select(Record).where(Record.stage_review_id == decided.id)).first()
        from reviewboard.webhooks.models import WebhookDelivery
        from reviewboard.webhooks.services import subscribe

        webhook = subscribe(people["chair"], f"http://127.0.0.1:{closed_port}/hook", ["incident.reported"])
        delivery = WebhookDelivery(subscription_id=webhook.id, message_id="msg_matrix", event="incident.reported",
                                   body="{}")
        session.add(delivery)
        session.flush()
        tokens = {role: create_token(person, person, "matrix", "admin", None).secret for role, person in people.items()}
        from reviewboard.auth.services import set_active

        set_active(people["chair"], people["deactivated"], False)
        session.commit()
        ids = {"project": stage.project_id, "stage": stage.id, "evidence": stage.evidence[0].id,
               "draft_stage": draft.stages[0].id, "draft_version": draft.stages[0].version,
               "record": record.id, "webhook": webhook.id, "delivery": delivery.id,
               "condition": decided.conditions[0].id, "certificate": certificate.id, "incident": incident.id,
               "decided_criterion": decided.applicable_criteria()[0].code,
               "criterion": draft.stages[0].applicable_criteria()[0].code}
    yield {"ids": ids, "tokens": tokens, "closed port": closed_port}
    app.config["WEBHOOK_ALLOWED_TARGETS"] = allowed


def _call(client, method: str, path: str, body: str | None, world: dict, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = "/api/v1" + path.format(**world["ids"])
    kwargs = {}
    if body == "project":
        kwargs["json"] = project_body()
        headers["If-Match"] = f'"project-{world["ids"]["project"]}-v1"'
    elif body == "webhook":
        kwargs["json"] = {"url": f"http://127.0.0.1:{world['closed port']}/other", "events": ["stage.decided"]}
    elif body == "version":
        kwargs["json"] = {"label": "9.9.9", "artifacts": [{"kind": "model", "name": "triage.onnx",
                                                           "digest": "sha256:" + "ab" * 32}]}
    elif body == "condition":
        kwargs["data"] = {"note": "Published.", "criterion": world["ids"]["decided_criterion"],
                          "file": (io.BytesIO(b"# Model card\n"), "card.md")}
    elif body == "decide":
        kwargs["json"] = {"note": "Checked against the published card."}
    elif body == "submit":
        kwargs["json"] = {"version": world["ids"]["draft_version"]}
    elif body == "evidence":
        kwargs["data"] = {"criterion": world["ids"]["criterion"], "file": (io.BytesIO(b"# Note\n"), "note.md")}
    return client.open(url, method=method, headers=headers, **kwargs)


def test_every_api_endpoint_is_in_the_matrix(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, rule.endpoint) in MATRIX or (method, rule.endpoint) in PUBLIC, (method, rule.endpoint)


@pytest.mark.parametrize("key", list(MATRIX), ids=lambda k: f"{k[0]} {k[1]}")
def test_role_by_endpoint(key, client, db_session, world):
    method, _endpoint = key
    path, body, statuses = MATRIX[key]
    seen = {}
    for role in ROLES:
        response = _call(client, method, path, body, world, world["tokens"][role])
        seen[role] = response.status_code
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json", (role, response.data[:200])
        db_session.rollback()  # each call starts from the same world (a write by one role is undone)
    assert seen == dict(zip(ROLES, statuses, strict=True))


@pytest.mark.parametrize("key", list(MATRIX), ids=lambda k: f"{k[0]} {k[1]}")
def test_anonymous_and_deactivated_get_401(key, client, db_session, world):
    method, _endpoint = key
    path, body, _statuses = MATRIX[key]
    for token in (None, world["tokens"]["deactivated"]):
        response = _call(client, method, path, body, world, token)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("key", list(PUBLIC))
def test_the_description_is_public(key, client, db_session, world):
    assert client.get("/api/v1" + PUBLIC[key]).status_code == 200
