"""System versions, conditions and incidents through the API: the same services and refusals as the pages."""

from __future__ import annotations

import io
from datetime import timedelta

from reviewboard.incidents.services import Report, Upload, report_incident
from reviewboard.models.base import utcnow
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.api.helpers import bearer

DIGEST = "sha256:" + "cd" * 32


def test_a_build_job_registers_a_version_and_bad_digests_are_refused_by_field(client, make):
    owner = make.user("submitter")
    project = make.project(owner)
    headers = bearer(owner, "submit")
    url = f"/api/v1/projects/{project.id}/versions"
    bad = client.post(url, json={"label": "1.0", "artifacts": [{"kind": "model", "name": "m", "digest": "md5:x"}]},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "artifacts"
    good = client.post(url, json={"label": "1.0", "artifacts": [{"kind": "model", "name": "m.onnx", "digest": DIGEST}]},
                       headers=headers)
    assert good.status_code == 201, good.get_json()
    version = {"label": "1.0", "artifacts": [{"kind": "model", "name": "m.onnx", "digest": DIGEST}]}
    again = client.post(url, json=version, headers=headers)
    assert again.status_code == 422 and again.get_json()["field"] == "label"
    listed = client.get(url, headers=headers).get_json()
    assert [v["label"] for v in listed] == ["1.0"] and listed[0]["artifacts"][0]["digest"] == DIGEST


def test_a_condition_is_answered_with_evidence(client, make):
    stage = make.submitted_stage()
    owner = stage.project.owner
    due = utcnow().date() + timedelta(days=10)
    for reviewer in make.reviewers(stage.quorum):
        make.verdicts(reviewer, stage)
        make.sign(reviewer, stage, Outcome.APPROVE_WITH_CONDITIONS,
                  conditions=[ConditionEntry("Publish the model card", owner.id, due)])
    headers = bearer(owner, "submit")
    listed = client.get("/api/v1/conditions", headers=headers).get_json()
    condition = next(c for c in listed if c["stage_id"] == stage.id)
    assert condition["status"] == "open" and condition["due_date"] == due.isoformat()
    url = f"/api/v1/conditions/{condition['id']}/response"
    code = stage.applicable_criteria()[0].code
    refused = client.post(url, headers=headers, data={"note": "Done", "criterion": code,
                                                      "file": (io.BytesIO(b"MZ\x90\x00"), "x.exe")})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    answered = client.post(url, headers=headers, data={"note": "Published at /card", "criterion": code,
                                                       "file": (io.BytesIO(b"# Card\n"), "card.md")})
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["status"] == "fulfilled" and answered.get_json()["evidence_id"]
    assert client.post(url, headers=bearer(owner, "read"), data={"note": "x", "criterion": code}).status_code == 403


def test_incidents_are_readable_by_whoever_sees_the_project(client, make):
    owner = make.user("submitter")
    project = make.project(owner)
    incident = report_incident(owner, project, Report("Alarm missed", "Not shown.", "major", utcnow().date()),
                               [Upload("log.md", b"# Log\n")])
    listed = client.get(f"/api/v1/projects/{project.id}/incidents", headers=bearer(owner)).get_json()
    assert [i["title"] for i in listed] == ["Alarm missed"] and listed[0]["state"] == "reported"
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=bearer(make.user("auditor"))).status_code == 200
    assert client.get(f"/api/v1/incidents/{incident.id}", headers=bearer(make.user("submitter"))).status_code == 404
