"""A stage's review through the API (rounds, verdicts, sign-offs, decisions; read only) and a reviewer's or
chair's decision on a condition (close, reopen): the stage and condition pages' predicates and services."""

from __future__ import annotations

from datetime import timedelta

from reviewboard.models.base import utcnow
from reviewboard.reviews.services import ConditionEntry, sign_decision
from reviewboard.reviews.workflow import Outcome, VerdictValue
from tests.api.helpers import bearer
from tests.support.factories import PASSWORD


def test_the_decided_review_reads_as_on_the_stage_page(client, make):
    stage = make.submitted_stage()
    first, second = make.reviewers(2)
    make.verdicts(first, stage, VerdictValue.PARTIALLY_MEETS, "The model card lacks the data sources.")
    sign_decision(first, stage, Outcome.APPROVE, PASSWORD, [])
    make.verdicts(second, stage)
    make.sign(second, stage, Outcome.APPROVE)
    rounds = client.get(f"/api/v1/stages/{stage.id}/rounds", headers=bearer(stage.project.owner))
    assert rounds.status_code == 200, rounds.get_json()
    [only] = rounds.get_json()
    assert only["number"] == 1 and only["outcome"] == "approve" and only["decided_at"]
    assert {v["reviewer"] for v in only["verdicts"]} == {first.name, second.name}
    partial = [v for v in only["verdicts"] if v["value"] == "partially_meets"]
    assert partial and partial[0]["rationale"] == "The model card lacks the data sources."
    assert sorted(s["printed_name"] for s in only["signoffs"]) == sorted([first.name, second.name])
    assert {s["signature"]["state"] for s in only["signoffs"]} == {"valid"}
    assert all(len(s["content_sha256"]) == 64 for s in only["signoffs"])
    assert client.get(f"/api/v1/stages/{stage.id}/rounds", headers=bearer(make.user("submitter"))).status_code == 404
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/stages/{stage_id}/rounds"]
    assert not any(path.endswith("/sign") for path in spec["paths"])  # signing stays in the browser


def test_a_reviewer_reads_only_after_declaring_and_only_their_own_verdicts_until_they_sign(client, make):
    stage = make.submitted_stage()
    early, late = make.reviewers(2)
    make.declare(early, stage)
    make.verdicts(early, stage, VerdictValue.DOES_NOT_MEET, "No test report.")
    url = f"/api/v1/stages/{stage.id}/rounds"
    undeclared = client.get(url, headers=bearer(late))
    assert undeclared.status_code == 403 and "Declare" in undeclared.get_json()["detail"]
    make.declare(late, stage)
    make.verdicts(late, stage)
    mine = client.get(url, headers=bearer(late)).get_json()[0]["verdicts"]
    assert mine and {v["reviewer"] for v in mine} == {late.name}
    # the project's team sees every verdict before the decision, as on the stage page
    team = client.get(url, headers=bearer(stage.project.owner)).get_json()[0]
    assert {v["reviewer"] for v in team["verdicts"]} == {early.name, late.name} and team["outcome"] is None
    make.sign(late, stage, Outcome.APPROVE)
    after_signing = client.get(url, headers=bearer(late)).get_json()[0]
    assert {v["reviewer"] for v in after_signing["verdicts"]} == {early.name, late.name}
    assert [s["outcome"] for s in after_signing["signoffs"]] == ["approve"]


def _approved_with_condition(make):
    stage = make.submitted_stage()
    owner = stage.project.owner
    reviewers = make.reviewers(stage.quorum)
    for reviewer in reviewers:
        make.verdicts(reviewer, stage)
        make.sign(reviewer, stage, Outcome.APPROVE_WITH_CONDITIONS,
                  conditions=[ConditionEntry("Publish the model card", owner.id, utcnow().date() + timedelta(days=9))])
    return stage.conditions[0], reviewers


def test_a_chair_closes_and_reopens_a_condition_and_an_illegal_transition_is_a_409(client, make, db_session):
    condition, reviewers = _approved_with_condition(make)
    chair = bearer(make.user("chair"), "submit")
    url = f"/api/v1/conditions/{condition.id}"
    no_note = client.post(url + "/close", json={"note": "  "}, headers=chair)
    assert no_note.status_code == 422 and no_note.get_json()["field"] == "note"
    closed = client.post(url + "/close", json={"note": "Waived: the card is on the intranet."}, headers=chair)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closing_note"].startswith("Waived")
    again = client.post(url + "/close", json={"note": "Twice."}, headers=chair)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    reopened = client.post(url + "/reopen", json={"note": "The card is not public."}, headers=chair)
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"
    assert client.post(url + "/reopen", json={"note": "Twice."}, headers=chair).status_code == 409
    from reviewboard.conditions.services import history

    db_session.refresh(condition)
    assert [h["verb"] for h in history(condition)] == ["closed", "reopened"]
    # a reviewer of the stage may too; the project's owner and a read-only token may not
    assert client.post(url + "/close", json={"note": "Met."}, headers=bearer(reviewers[0], "submit")).status_code == 200
    owner = condition.stage_review.project.owner
    assert client.post(url + "/reopen", json={"note": "x"}, headers=bearer(owner, "submit")).status_code == 403
    assert client.post(url + "/reopen", json={"note": "x"}, headers=bearer(make.user("chair"))).status_code == 403
