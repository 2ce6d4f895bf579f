"""Stage review rules through the service layer: quorum, outcomes, rounds, conditions, gates, audit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import ServiceError
from reviewboard.models.base import utcnow
from reviewboard.projects import services as projects
from reviewboard.records.models import Record
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import IllegalTransition, Outcome, StageState


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_approvals_decide_the_stage_issue_one_record_and_open_the_next(make, db_session):
    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage)
    assert stage.state == StageState.IN_REVIEW  # quorum of 2 not reached
    assert _count(db_session, Record, Record.stage_review_id == stage.id) == 0
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED and stage.decided_at is not None
    assert _count(db_session, Record, Record.stage_review_id == stage.id) == 1
    assert stage.project.stages[1].state == StageState.DRAFT
    assert stage.current_round.outcome == Outcome.APPROVE


def test_any_reject_rejects_and_nothing_opens(make, db_session):
    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage, Outcome.APPROVE)
    make.sign(b, stage, Outcome.REJECT)
    assert stage.state == StageState.REJECTED
    assert stage.project.stages[1].state == StageState.LOCKED
    assert _count(db_session, Record, Record.stage_review_id == stage.id) == 1


def test_request_changes_returns_the_stage_and_resubmission_opens_round_two(make, db_session):
    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage, Outcome.APPROVE)
    make.sign(b, stage, Outcome.REQUEST_CHANGES)
    assert stage.state == StageState.CHANGES_REQUESTED
    assert _count(db_session, Record, Record.stage_review_id == stage.id) == 0
    with pytest.raises(IllegalTransition, match="nothing changed"):
        lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    make.evidence(stage, filename="answers.md", data=b"# Answers to the reviewers\n")
    round_two = lifecycle.submit_stage(stage.project.owner, stage, "Addressed comments", stage.version)
    assert round_two.number == 2 and stage.state == StageState.IN_REVIEW
    assert [r.number for r in stage.rounds] == [1, 2]
    assert stage.rounds[0].outcome == Outcome.REQUEST_CHANGES  # every round is kept
    make.sign(a, stage)
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED


def test_conditions_need_owner_and_future_due_date(make, db_session):
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    make.verdicts(a, stage)
    owner = stage.project.owner
    with pytest.raises(ServiceError, match="at least one condition"):
        reviews.sign_decision(a, stage, Outcome.APPROVE_WITH_CONDITIONS, "correct horse battery", [])
    past = reviews.ConditionEntry("Publish the model card", owner.id, (utcnow() - timedelta(days=1)).date())
    with pytest.raises(ServiceError, match="future"):
        reviews.sign_decision(a, stage, Outcome.APPROVE_WITH_CONDITIONS, "correct horse battery", [past])
    stranger = make.user("submitter")
    not_member = reviews.ConditionEntry("Publish", stranger.id, (utcnow() + timedelta(days=9)).date())
    with pytest.raises(ServiceError, match="member"):
        reviews.sign_decision(a, stage, Outcome.APPROVE_WITH_CONDITIONS, "correct horse battery", [not_member])
    good = reviews.ConditionEntry("Publish the model card", owner.id, (utcnow() + timedelta(days=30)).date())
    signoff = reviews.sign_decision(a, stage, Outcome.APPROVE_WITH_CONDITIONS, "correct horse battery", [good])
    assert json.loads(signoff.signed_content)["conditions"] == [["Publish the model card", owner.id,
                                                                 good.due_date.isoformat()]]
    assert stage.conditions == []  # a condition exists once the quorum decides
    make.sign(make.user("reviewer"), stage)
    assert [c.text for c in stage.conditions] == ["Publish the model card"]


def test_signing_requires_a_verdict_on_every_applicable_criterion(make, db_session):
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    first = stage.applicable_criteria()[0]
    reviews.save_verdicts(a, stage, [reviews.VerdictEntry(first.id, reviews.VerdictValue.MEETS, "")])
    with pytest.raises(ServiceError, match="every criterion"):
        reviews.sign_decision(a, stage, Outcome.APPROVE, "correct horse battery")


def test_rationale_required_for_anything_but_meets(make, db_session):
    stage = make.submitted_stage()
    (a,) = make.reviewers(1)
    c = stage.applicable_criteria()[0]
    with pytest.raises(ServiceError, match="rationale"):
        reviews.save_verdicts(a, stage, [reviews.VerdictEntry(c.id, reviews.VerdictValue.DOES_NOT_MEET, "  ")])


def test_next_stage_cannot_be_submitted_before_the_previous_is_approved(make, db_session):
    project = make.project()
    later = project.stages[1]
    assert later.state == StageState.LOCKED
    with pytest.raises(ServiceError):
        lifecycle.submit_stage(project.owner, later, "", later.version)


def test_prohibited_tier_blocks_submission_until_a_chair_clears_it(make, db_session):
    project = make.project(answers={"social_scoring": "yes"})
    assert project.tier == "prohibited" and project.blocked_by_escalation
    stage = project.stages[0]
    make.evidence(stage)
    with pytest.raises(IllegalTransition, match="chair"):
        lifecycle.submit_stage(project.owner, stage, "", stage.version)
    chair = make.user("chair")
    projects.clear_escalation(chair, project, "Scoped to an internal pilot with consent.", "high")
    assert project.tier == "high" and not project.blocked_by_escalation
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    assert stage.state == StageState.IN_REVIEW


def test_tier_reasons_name_the_answers_that_led_to_it(make, db_session):
    project = make.project(data_categories=["personal"], answers={"affects_rights": "yes"})
    assert project.tier == "high"
    rules = {r["rule"] for r in project.tier_reasons}
    assert {"T-HIGH-RIGHTS", "T-MEDIUM-PERSONAL"} <= rules
    low = make.project()
    assert low.tier == "low" and low.tier_reasons[0]["rule"] == "T-LOW-DEFAULT"


def test_every_mutation_writes_an_audit_event_with_actor_and_before_after(make, db_session):
    before = _count(db_session, AuditEvent)
    stage = make.submitted_stage()
    actions = db_session.scalars(select(AuditEvent.action).where(AuditEvent.seq > before)
                                 .order_by(AuditEvent.seq)).all()
    assert actions[-4:] == ["project.created", "stage.opened", "evidence.added", "stage.submitted"]
    event = db_session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    assert event.actor_name == stage.project.owner.name and '"before":{"state":"draft"}' in event.payload


def test_a_failure_before_commit_leaves_no_business_row_and_no_event(make, db_session):
    owner = make.user("submitter")
    events = _count(db_session, AuditEvent)
    from reviewboard.projects.models import Project

    projects_before = _count(db_session, Project)
    nested = db_session.begin_nested()
    make.project(owner)
    assert _count(db_session, AuditEvent) > events
    nested.rollback()  # what the request boundary does when anything raises before commit
    assert _count(db_session, AuditEvent) == events
    assert _count(db_session, Project) == projects_before
