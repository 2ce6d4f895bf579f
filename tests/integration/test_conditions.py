"""Conditions of an approval as tracked items, through the services, on both engines: answering with
evidence, closing and reopening (who may, with a note, audited), and overdue open conditions blocking the
next stage's submission until closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.models import AuditEvent
from reviewboard.conditions import services as conditions
from reviewboard.core.dashboard import open_conditions
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.models.base import utcnow
from reviewboard.records.pdf import render_record_html
from reviewboard.records.services import build_record_data
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.models import Condition
from reviewboard.reviews.workflow import IllegalTransition, Outcome, StageState

PDF = b"%PDF-1.7\n% model card\n"


def approve_with_condition(make, db_session, text_="Publish the model card", days=30, member=None):
    """First stage approved with one condition owned by the project owner; returns (stage, condition, reviewers)."""
    stage = make.submitted_stage()
    owner = stage.project.owner
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=days)).date()
    make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS, conditions=[reviews.ConditionEntry(text_, owner.id, due)])
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED_WITH_CONDITIONS
    (condition,) = stage.conditions
    return stage, condition, (a, b)


def _make_overdue(db_session, condition, days=1):
    condition.due_date = (utcnow() - timedelta(days=days)).date()  # time passed since the approval
    db_session.flush()


def _submit_next(make, stage):
    following = stage.project.stages[1]
    assert following.state == StageState.DRAFT
    make.evidence(following)
    return following, lambda: lifecycle.submit_stage(stage.project.owner, following, "", following.version)


def _events(db_session, condition):
    return db_session.scalars(select(AuditEvent).where(AuditEvent.object_type == "condition",
                                                       AuditEvent.object_id == str(condition.id))
                              .order_by(AuditEvent.seq)).all()



def test_an_open_condition_past_due_blocks_the_next_stage_and_says_why(make, db_session):
    stage, condition, _ = approve_with_condition(make, db_session)
    _make_overdue(db_session, condition)
    following, submit = _submit_next(make, stage)
    assert [c.id for c in conditions.overdue_before(following)] == [condition.id]
    with pytest.raises(IllegalTransition, match="past their due date and still open"):
        submit()
    assert following.state == StageState.DRAFT and following.rounds == []


def test_a_condition_not_yet_due_does_not_block(make, db_session):
    stage, condition, _ = approve_with_condition(make, db_session, days=3)
    following, submit = _submit_next(make, stage)
    assert conditions.overdue_before(following) == []
    assert submit().number == 1 and following.state == StageState.IN_REVIEW


def test_a_condition_due_today_is_not_yet_overdue(make, db_session):
    stage, condition, _ = approve_with_condition(make, db_session)
    condition.due_date = utcnow().date()
    db_session.flush()
    following, submit = _submit_next(make, stage)
    submit()
    assert following.state == StageState.IN_REVIEW


def test_fulfilled_still_blocks_until_a_reviewer_closes_it_then_submission_goes_through(make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    _make_overdue(db_session, condition)
    owner = stage.project.owner
    conditions.respond(owner, condition, "Model card published on the intranet.", stage.applicable_criteria()[0].id,
                       "model-card.pdf", PDF)
    assert condition.status == "fulfilled"
    following, submit = _submit_next(make, stage)
    with pytest.raises(IllegalTransition, match="past their due date"):
        submit()
    conditions.close(a, condition, "Checked the model card: complete.")
    assert condition.status == "closed" and conditions.overdue_before(following) == []
    assert submit().number == 1 and following.state == StageState.IN_REVIEW


def test_the_owner_answers_with_a_note_and_an_evidence_file_and_it_is_audited(make, db_session):
    stage, condition, _ = approve_with_condition(make, db_session)
    owner = stage.project.owner
    criterion = stage.applicable_criteria()[1]
    conditions.respond(owner, condition, "  Published, see the file.  ", criterion.id, "model-card.pdf", PDF)
    assert condition.status == "fulfilled" and condition.response == "Published, see the file."
    assert condition.responded_at is not None
    evidence = condition.evidence
    assert (evidence.filename, evidence.criterion_id, evidence.stage_review_id) == ("model-card.pdf", criterion.id,
                                                                                    stage.id)
    assert evidence.data == PDF and len(evidence.sha256) == 64 and evidence in stage.evidence
    (event,) = _events(db_session, condition)
    assert event.action == "condition.fulfilled" and event.actor_id == owner.id
    assert '"reason":"Published, see the file."' in event.payload and evidence.sha256 in event.payload


def test_a_project_member_may_answer_but_nobody_outside_the_project(make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    from reviewboard.projects.models import ProjectMember

    colleague = make.user("submitter")
    db_session.add(ProjectMember(project_id=stage.project_id, user_id=colleague.id))
    db_session.flush()
    db_session.refresh(stage.project)
    cid = stage.applicable_criteria()[0].id
    for outsider in (make.user("submitter"), a, make.user("chair")):
        with pytest.raises(NotPermitted):
            conditions.respond(outsider, condition, "Done.", cid, "card.pdf", PDF)
    assert condition.status == "open"
    conditions.respond(colleague, condition, "Done by a colleague.", cid, "card.pdf", PDF)
    assert condition.status == "fulfilled"


@pytest.mark.parametrize(("note", "criterion", "filename", "data", "field"), [
    ("", "ok", "card.pdf", PDF, "note"),
    ("Done.", None, "card.pdf", PDF, "criterion_id"),
    ("Done.", "ok", "card.exe", b"MZ\x90\x00", "file"),
    ("Done.", "ok", "card.pdf", b"not a pdf", "file"),
    ("Done.", "ok", "card.pdf", b"", "file"),
])
def test_an_answer_needs_a_note_a_criterion_and_an_acceptable_file(make, db_session, note, criterion, filename, data,
                                                                   field):
    stage, condition, _ = approve_with_condition(make, db_session)
    cid = stage.applicable_criteria()[0].id if criterion else 999999
    with pytest.raises(ServiceError) as refused:
        conditions.respond(stage.project.owner, condition, note, cid, filename, data)
    assert refused.value.field == field
    assert condition.status == "open" and condition.evidence_id is None


def test_who_may_close_a_reviewer_of_the_stage_or_an_independent_chair(make, db_session):
    stage, condition, (a, b) = approve_with_condition(make, db_session)
    owner = stage.project.owner
    member_chair = make.user("chair", "submitter")
    from reviewboard.projects.models import ProjectMember

    db_session.add(ProjectMember(project_id=stage.project_id, user_id=member_chair.id))
    db_session.flush()
    db_session.refresh(stage.project)
    for refused in (owner, make.user("reviewer"), make.user("auditor"), member_chair):
        with pytest.raises(NotPermitted):
            conditions.close(refused, condition, "Looks fine.")
    assert condition.status == "open"
    conditions.close(b, condition, "Waived: the card is part of the DPIA.")  # b signed, did not set it: still ok
    assert (condition.status, condition.closed_by_id) == ("closed", b.id)
    assert condition.closing_note == "Waived: the card is part of the DPIA." and condition.closed_at is not None
    chair = make.user("chair")
    conditions.reopen(chair, condition, "The DPIA does not cover it.")
    conditions.close(chair, condition, "Now covered.")
    assert condition.closed_by_id == chair.id


def test_closing_and_reopening_need_a_note_and_refuse_stale_requests(make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    with pytest.raises(ServiceError) as refused:
        conditions.close(a, condition, "   ")
    assert refused.value.field == "note" and condition.status == "open"
    with pytest.raises(Conflict):
        conditions.reopen(a, condition, "Not yet done.")  # it is open already
    conditions.close(a, condition, "Fine.")
    with pytest.raises(Conflict):
        conditions.close(a, condition, "Fine again.")  # closed meanwhile (another tab or reviewer)
    with pytest.raises(Conflict):
        conditions.respond(stage.project.owner, condition, "Done.", stage.applicable_criteria()[0].id, "c.pdf", PDF)
    with pytest.raises(ServiceError) as refused:
        conditions.reopen(a, condition, "")
    assert refused.value.field == "note" and condition.status == "closed"


def test_reopening_sends_it_back_to_the_owner_and_blocks_again_when_overdue(make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    owner = stage.project.owner
    conditions.respond(owner, condition, "Done.", stage.applicable_criteria()[0].id, "card.pdf", PDF)
    conditions.close(a, condition, "Accepted.")
    _make_overdue(db_session, condition)
    following, submit = _submit_next(make, stage)
    assert conditions.overdue_before(following) == []  # closed: no longer blocks
    conditions.reopen(a, condition, "The card omits the evaluation data.")
    assert condition.status == "open" and condition.closed_by_id is None and condition.closed_at is None
    assert condition.response == "Done."  # the earlier answer stays visible
    with pytest.raises(IllegalTransition, match="past their due date"):
        submit()
    assert [e.action for e in _events(db_session, condition)] == [
        "condition.fulfilled", "condition.closed", "condition.reopened"]
    history = conditions.history(condition)
    assert [(h["actor"], h["note"]) for h in history][-1] == (a.name, "The card omits the evaluation data.")


def test_the_database_refuses_unknown_statuses_and_a_closed_condition_without_its_time(make, db_session):
    _stage, condition, _ = approve_with_condition(make, db_session)
    for statement in ("UPDATE condition SET status = 'done' WHERE id = :id",
                      "UPDATE condition SET status = 'closed' WHERE id = :id",
                      "UPDATE condition SET closed_at = CURRENT_TIMESTAMP WHERE id = :id"):
        savepoint = db_session.begin_nested()
        with pytest.raises(IntegrityError):
            db_session.execute(text(statement), {"id": condition.id})
        savepoint.rollback()


def test_who_follows_which_conditions_overdue_first(make, db_session):
    stage, later, (a, _b) = approve_with_condition(make, db_session, "Later one", days=60)
    other_stage, sooner, (c, _d) = approve_with_condition(make, db_session, "Overdue one")
    _make_overdue(db_session, sooner, days=3)
    _closed_stage, closed, (e, _f) = approve_with_condition(make, db_session, "Closed one")
    conditions.close(e, closed, "Done.")

    def seen(user):
        return [x.text for x in open_conditions(user, "en") if x.id in (later.id, sooner.id, closed.id)]

    assert seen(make.user("chair")) == ["Overdue one", "Later one"]  # overdue first, closed left out
    assert seen(make.user("auditor")) == ["Overdue one", "Later one"]
    assert seen(stage.project.owner) == ["Later one"]
    assert seen(other_stage.project.owner) == ["Overdue one"]
    assert seen(a) == ["Later one"] and seen(c) == ["Overdue one"]
    assert seen(make.user("reviewer")) == [] and seen(make.user("submitter")) == []
    all_of_e = db_session.scalars(conditions.visible_query(e, include_closed=True)).all()
    assert [x.text for x in all_of_e] == ["Closed one"]


def test_the_record_shows_each_condition_status(make, db_session):
    stage, condition, (a, _b) = approve_with_condition(make, db_session)
    record = build_record_data(stage, 1, utcnow())
    assert record["conditions"][0]["status"] == "open" and record["conditions"][0]["closed_by"] is None
    conditions.close(a, condition, "Accepted.")
    record = build_record_data(stage, 2, utcnow())
    assert record["conditions"][0]["status"] == "closed" and record["conditions"][0]["closed_by"] == a.name
    html = render_record_html(record)
    assert f"Status when issued: Closed, closed by {a.name}" in html


def test_a_condition_exists_only_once_the_stage_is_decided(make, db_session):
    stage = make.submitted_stage()
    owner, chair = stage.project.owner, make.user("chair")
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=30)).date()
    make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card", owner.id, due)])
    assert stage.state == StageState.IN_REVIEW
    assert stage.conditions == []  # one reviewer's proposal, not yet the committee's condition
    assert open_conditions(chair, "en") == [] and open_conditions(owner, "en") == []

    make.sign(b, stage)
    assert stage.state == StageState.APPROVED_WITH_CONDITIONS
    (condition,) = stage.conditions
    assert (condition.text, condition.owner_id, condition.due_date, condition.status) == \
        ("Publish the model card", owner.id, due, "open")
    assert condition.signoff.reviewer_id == a.id
    assert [(c.id, c.text, c.owner_name, c.project_name) for c in open_conditions(chair, "en")] == \
        [(condition.id, condition.text, owner.name, stage.project.name)]


def test_conditions_proposed_in_a_round_that_requests_changes_never_exist(make, db_session):
    stage = make.submitted_stage()
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=30)).date()
    make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card", stage.project.owner.id, due)])
    make.sign(b, stage, Outcome.REQUEST_CHANGES)
    assert stage.state == StageState.CHANGES_REQUESTED
    assert stage.conditions == []
    assert db_session.scalar(select(func.count(Condition.id)).where(Condition.stage_review_id == stage.id)) == 0
