"""The API's contract over HTTP: tokens authenticate (never the cookie), scopes, problem+json answers,
projects with cursor pagination and If-Match, stages, evidence, records and the audit trail."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.services import set_active
from reviewboard.models.base import utcnow
from reviewboard.tokens.models import AccessToken
from reviewboard.tokens.services import revoke_token
from tests.api.helpers import bearer, project_body
from tests.support.http import login

PROBLEM = "application/problem+json"


def test_openapi_document_is_3_1_and_lists_every_api_route(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in ("api.openapi_json", "api.docs"):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    assert "Signing stays interactive" in spec["info"]["description"].replace("**", "")


def test_docs_page_is_served_by_the_app_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "/api/v1/projects/{project_id}" in response.text and "Signing stays interactive" in response.text
    assert not [u for u in re.findall(r'(?:src|href)="([^"]*)"', response.text) if "//" in u]  # nothing from elsewhere
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_token_is_401_problem(client):
    response = client.get("/api/v1/projects")
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


def test_a_cookie_session_does_not_authenticate_the_api(client, make):
    user = make.user("submitter")
    login(client, user)
    assert client.get("/dashboard").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_token_authenticates_and_notes_its_use(client, make, db_session):
    user = make.user("submitter", "reviewer")
    headers = bearer(user)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["roles"] == ["reviewer", "submitter"]
    token = db_session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    db_session.refresh(token)
    assert token.last_used_at is not None and token.last_used_address == "127.0.0.1"
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "access_token",
                                                                 AuditEvent.object_id == str(token.id))).all()
    assert actions == ["token.created", "token.used_from_new_address"]
    client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert db_session.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "access_token",
                                                             AuditEvent.object_id == str(token.id))
                             .order_by(AuditEvent.seq.desc()).limit(1)) == "token.used_from_new_address"
    client.get("/api/v1/me", headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert len(db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "access_token",
                                                           AuditEvent.object_id == str(token.id))).all()) == 3


def test_a_refused_request_still_notes_the_tokens_use_and_new_address(client, make, db_session):
    """A 4xx rolls the request back; the token's use and its new address are written after that rollback."""
    user = make.user("submitter")
    headers = bearer(user)
    token = db_session.scalar(select(AccessToken).where(AccessToken.user_id == user.id))
    refused = [client.get("/api/v1/audit/events", headers=headers, environ_base={"REMOTE_ADDR": "10.9.8.7"}),
               client.post("/api/v1/projects", headers=headers, json={"name": ""},
                           environ_base={"REMOTE_ADDR": "10.9.8.6"})]
    assert [r.status_code for r in refused] == [403, 403]  # a read token: its scope refuses the POST
    db_session.refresh(token)
    assert token.last_used_at is not None and token.last_used_address == "10.9.8.6"
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "access_token",
                                                         AuditEvent.object_id == str(token.id))
                                .order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["token.created", "token.used_from_new_address",
                                          "token.used_from_new_address"]
    assert ['"10.9.8.7"' in events[1].payload, '"10.9.8.6"' in events[2].payload] == [True, True]
    bad_input = client.get("/api/v1/projects?nonsense=1", headers=headers, environ_base={"REMOTE_ADDR": "10.9.8.5"})
    assert bad_input.status_code == 422
    db_session.refresh(token)
    assert token.last_used_address == "10.9.8.5"
    # nothing else of a refused request is kept: its own writes still roll back
    assert db_session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == \
        "token.used_from_new_address"


def test_revoked_expired_and_deactivated_tokens_stop_at_once(client, make, db_session):
    chair = make.user("chair")
    user = make.user("submitter")
    headers = bearer(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    set_active(chair, user, False)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    set_active(chair, user, True)
    # Deactivation revoked the token for good: turning the account back on does not bring it back.
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    headers = bearer(user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    token = db_session.scalar(select(AccessToken)
                              .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)))
    revoke_token(user, token)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    expired = bearer(user)
    newest = db_session.scalar(select(AccessToken).where(AccessToken.user_id == user.id)
                               .order_by(AccessToken.id.desc()).limit(1))
    newest.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert client.get("/api/v1/me", headers=expired).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer rbp_" + "x" * 43}).status_code == 401


def test_read_scope_cannot_write_403(client, make):
    user = make.user("submitter")
    response = client.post("/api/v1/projects", json=project_body(), headers=bearer(user, "read"))
    assert response.status_code == 403 and response.mimetype == PROBLEM
    assert "scope" in response.get_json()["detail"]


def test_create_project_then_read_update_with_if_match(client, make):
    user = make.user("submitter")
    headers = bearer(user, "submit")
    created = client.post("/api/v1/projects", json=project_body(name="Triage helper"), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["tier"] and body["stages"][0]["state"] == "draft"
    url = f"/api/v1/projects/{body['id']}"
    read = client.get(url, headers=headers)
    etag = read.headers["ETag"]
    assert read.get_json()["name"] == "Triage helper"
    assert client.put(url, json=project_body(name="Renamed"), headers=headers).status_code == 428
    updated = client.put(url, json=project_body(name="Renamed"), headers={**headers, "If-Match": etag})
    assert updated.status_code == 200 and updated.get_json()["name"] == "Renamed"
    assert updated.headers["ETag"] != etag
    stale = client.put(url, json=project_body(name="Again"), headers={**headers, "If-Match": etag})
    assert stale.status_code == 409 and stale.mimetype == PROBLEM and stale.get_json()["field"] == "If-Match"
    tier = client.get(url + "/tier", headers=headers).get_json()
    assert tier["tier"] == body["tier"] and "reasons" in tier


def test_invalid_input_is_422_naming_the_field(client, make):
    user = make.user("submitter")
    headers = bearer(user, "submit")
    response = client.post("/api/v1/projects", json=project_body(scale="galactic"), headers=headers)
    assert response.status_code == 422 and response.mimetype == PROBLEM
    assert response.get_json()["field"] == "scale"
    response = client.post("/api/v1/projects", json=project_body(name="   "), headers=headers)
    assert response.status_code == 422 and response.get_json()["field"] == "name"
    response = client.post("/api/v1/projects", data="{not json",
                           headers={**headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and response.mimetype == PROBLEM
    response = client.get("/api/v1/projects?cursor=bogus", headers=headers)
    assert response.status_code == 422 and response.get_json()["field"] == "cursor"
    response = client.get("/api/v1/projects?teir=high", headers=headers)  # a mistyped filter
    assert response.status_code == 422 and response.get_json()["field"] == "teir"
    response = client.get("/api/v1/projects?limit=0", headers=headers)
    assert response.status_code == 422 and response.get_json()["field"] == "limit"


def test_projects_list_cursor_pagination_and_visibility(client, make):
    owner = make.user("submitter")
    other = make.project(make.user("submitter"), name="Not yours")
    mine = [make.project(owner, name=f"Mine {i}") for i in range(3)]
    headers = bearer(owner)
    first = client.get("/api/v1/projects?limit=2", headers=headers).get_json()
    assert [p["name"] for p in first["items"]] == ["Mine 2", "Mine 1"] and first["next_cursor"]
    second = client.get(f"/api/v1/projects?limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    assert [p["name"] for p in second["items"]] == ["Mine 0"] and second["next_cursor"] is None
    assert client.get(f"/api/v1/projects/{other.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/projects/{mine[0].id}", headers=headers).status_code == 200


def test_evidence_upload_submit_and_download(client, make):
    owner = make.user("submitter")
    project = make.project(owner)
    stage = project.stages[0]
    headers = bearer(owner, "submit")
    detail = client.get(f"/api/v1/stages/{stage.id}", headers=headers).get_json()
    code = detail["criteria"][0]
    bad = client.post(f"/api/v1/stages/{stage.id}/evidence", headers=headers,
                      data={"criterion": code, "file": (io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    wrong = client.post(f"/api/v1/stages/{stage.id}/evidence", headers=headers,
                        data={"criterion": "NOPE", "file": (io.BytesIO(b"# Brief\n"), "brief.md")})
    assert wrong.status_code == 422 and wrong.get_json()["field"] == "criterion"
    missing = client.post(f"/api/v1/stages/{stage.id}/evidence", headers=headers, data={"criterion": code})
    assert missing.status_code == 422 and missing.get_json()["field"] == "file"
    good = client.post(f"/api/v1/stages/{stage.id}/evidence", headers=headers,
                       data={"criterion": code, "file": (io.BytesIO(b"# Brief\n"), "brief.md")})
    assert good.status_code == 201, good.get_json()
    evidence = good.get_json()
    download = client.get(f"/api/v1/evidence/{evidence['id']}", headers=headers)
    assert download.data == b"# Brief\n" and download.headers["X-File-SHA256"] == evidence["sha256"]
    stale = client.post(f"/api/v1/stages/{stage.id}/submit", json={"version": detail["version"] + 99}, headers=headers)
    assert stale.status_code == 409 and stale.mimetype == PROBLEM
    version = client.get(f"/api/v1/stages/{stage.id}", headers=headers).get_json()["version"]
    submitted = client.post(f"/api/v1/stages/{stage.id}/submit", json={"version": version, "note": "Ready"},
                            headers=headers)
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["stage"]["state"] == "in_review"
    again = client.post(f"/api/v1/stages/{stage.id}/submit", json={"version": submitted.get_json()["stage"]["version"]},
                        headers=headers)
    assert again.status_code in (403, 409) and again.mimetype == PROBLEM


def test_queue_records_and_audit(client, make):
    reviewer = make.user("reviewer")
    auditor = make.user("auditor")
    stage = make.submitted_stage()
    queue = client.get("/api/v1/queue", headers=bearer(reviewer)).get_json()
    assert stage.id in [item["stage"]["id"] for item in queue]
    assert client.get("/api/v1/queue", headers=bearer(stage.project.owner)).status_code == 403
    reviewers = make.reviewers(stage.quorum)
    for r in reviewers:
        make.verdicts(r, stage)
        make.sign(r, stage)
    owner_headers = bearer(stage.project.owner)
    records = client.get(f"/api/v1/records?project={stage.project_id}", headers=owner_headers).get_json()["items"]
    assert records, "the decision issued a record"
    record = records[0]
    pdf = client.get(f"/api/v1/records/{record['id']}/pdf", headers=owner_headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["X-File-SHA256"] == record["pdf_sha256"]
    data = client.get(f"/api/v1/records/{record['id']}/data", headers=owner_headers)
    assert data.status_code == 200 and isinstance(data.get_json(), dict)
    assert client.get("/api/v1/audit/events", headers=owner_headers).status_code == 403
    events = client.get("/api/v1/audit/events?action=stage.submitted&limit=500", headers=bearer(auditor)).get_json()
    assert any(e["object_id"] == str(stage.id) for e in events["items"])
    verified = client.get("/api/v1/audit/verify", headers=bearer(auditor)).get_json()
    assert verified["ok"] is True and verified["checked"] > 0


def test_unknown_api_path_and_method_are_problems(client, make):
    headers = bearer(make.user("submitter"))
    assert client.get("/api/v1/projects/999999", headers=headers).status_code == 404
    out_of_range = client.put("/api/v1/projects/99999999999", headers=headers)
    assert out_of_range.status_code == 404 and out_of_range.mimetype == PROBLEM
    response = client.delete("/api/v1/projects", headers=headers)
    assert response.status_code == 405 and response.mimetype == PROBLEM
