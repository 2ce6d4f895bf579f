"""Separation of duties in the service layer: nobody reviews, signs or assigns on a project they submitted
or are a member of; signatures are one per reviewer per round, only while the stage is in review, and
only by the assigned reviewers when a chair has assigned some."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.projects.models import ProjectMember
from reviewboard.reviews import services as reviews
from reviewboard.reviews.models import ReviewAssignment, SignOff, Verdict
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue
from tests.support.factories import PASSWORD


def _entries(stage, value=VerdictValue.MEETS):
    return [reviews.VerdictEntry(c.id, value, "") for c in stage.applicable_criteria()]


def _queue(db_session, user, status="all") -> list[int]:
    return [stage.id for stage, _at in db_session.execute(reviews.queue_query(user, status=status))]


def _count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def _add_member(project, user) -> None:
    project.members.append(ProjectMember(user_id=user.id))


def _assert_cannot_review(db_session, person, stage) -> None:
    with pytest.raises(NotPermitted):
        reviews.save_verdicts(person, stage, _entries(stage))
    with pytest.raises(NotPermitted):
        reviews.sign_decision(person, stage, Outcome.APPROVE, PASSWORD)
    assert stage.id not in _queue(db_session, person)
    assert stage.id not in _queue(db_session, person, status="waiting")
    assert _count(db_session, Verdict, Verdict.reviewer_id == person.id) == 0
    assert _count(db_session, SignOff, SignOff.reviewer_id == person.id) == 0


def test_a_submitter_with_the_reviewer_role_cannot_review_their_own_project(make, db_session):
    owner = make.user("submitter", "reviewer")
    stage = make.submitted_stage(owner=owner)
    _assert_cannot_review(db_session, owner, stage)
    # an independent reviewer can, so the refusal above is about who, not about the stage
    (independent,) = make.reviewers(1)
    assert stage.id in _queue(db_session, independent)
    assert reviews.save_verdicts(independent, stage, _entries(stage)) == len(stage.applicable_criteria())


def test_an_owner_who_is_also_a_chair_does_not_see_their_project_in_the_queue(make, db_session):
    owner = make.user("submitter", "reviewer", "chair")
    stage = make.submitted_stage(owner=owner)
    _assert_cannot_review(db_session, owner, stage)


def test_a_project_member_cannot_review_it(make, db_session):
    stage = make.submitted_stage()
    member = make.user("reviewer")
    assert stage.id in _queue(db_session, member)  # independent until they join the team
    _add_member(stage.project, member)
    db_session.flush()
    _assert_cannot_review(db_session, member, stage)


def test_a_member_who_joins_after_recording_verdicts_cannot_sign(make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    make.verdicts(reviewer, stage)
    _add_member(stage.project, reviewer)
    db_session.flush()
    with pytest.raises(NotPermitted):
        reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD)
    assert _count(db_session, SignOff) == 0


def test_a_chair_cannot_assign_the_owner_or_a_member_as_reviewer(make, db_session):
    owner = make.user("submitter", "reviewer")
    stage = make.submitted_stage(owner=owner)
    member = make.user("reviewer")
    _add_member(stage.project, member)
    db_session.flush()
    chair = make.user("chair")
    with pytest.raises(ServiceError, match="is a member of this project and cannot review it"):
        reviews.assign_reviewer(chair, stage, owner)
    with pytest.raises(ServiceError, match="is a member of this project and cannot review it"):
        reviews.assign_reviewer(chair, stage, member)
    assert _count(db_session, ReviewAssignment) == 0
    (independent,) = make.reviewers(1)
    reviews.assign_reviewer(chair, stage, independent)
    assert stage.assigned_reviewer_ids == {independent.id}


def test_a_chair_who_is_a_member_cannot_assign_reviewers(make, db_session):
    stage = make.submitted_stage()
    chair = make.user("chair")
    _add_member(stage.project, chair)
    db_session.flush()
    (reviewer,) = make.reviewers(1)
    with pytest.raises(NotPermitted):
        reviews.assign_reviewer(chair, stage, reviewer)
    assert _count(db_session, ReviewAssignment) == 0


def test_a_reviewer_who_signed_cannot_sign_again_or_change_verdicts(make, db_session):
    stage = make.submitted_stage()
    reviewer, _second = make.reviewers(2)
    make.sign(reviewer, stage, Outcome.APPROVE)
    assert stage.state == StageState.IN_REVIEW  # quorum 2: still waiting for the second reviewer
    with pytest.raises(Conflict, match="already signed"):
        reviews.sign_decision(reviewer, stage, Outcome.REJECT, PASSWORD)
    with pytest.raises(Conflict):
        reviews.save_verdicts(reviewer, stage, _entries(stage, VerdictValue.NOT_APPLICABLE))
    assert _count(db_session, SignOff, SignOff.reviewer_id == reviewer.id) == 1
    assert stage.id not in _queue(db_session, reviewer, status="waiting")


def test_signing_a_stage_that_is_not_in_review_is_a_conflict(make, db_session):
    project = make.project()
    draft = project.stages[0]
    (reviewer,) = make.reviewers(1)
    with pytest.raises(Conflict, match="draft"):
        reviews.sign_decision(reviewer, draft, Outcome.APPROVE, PASSWORD)
    locked = project.stages[1]
    with pytest.raises(Conflict, match="locked"):
        reviews.sign_decision(reviewer, locked, Outcome.APPROVE, PASSWORD)
    with pytest.raises(NotPermitted):  # nor can verdicts be recorded on it
        reviews.save_verdicts(reviewer, draft, _entries(draft))
    assert _count(db_session, SignOff) == 0


def test_signing_a_decided_stage_is_a_conflict(make, db_session):
    stage = make.submitted_stage()
    first, second, late = make.reviewers(3)
    make.sign(first, stage)
    make.sign(second, stage)
    assert stage.state == StageState.APPROVED
    with pytest.raises(Conflict, match="approved"):
        reviews.sign_decision(late, stage, Outcome.REJECT, PASSWORD)
    # the review form saves verdicts first: a reviewer who lost the race is told the stage moved on (409)
    with pytest.raises(Conflict, match="approved now"):
        reviews.save_verdicts(late, stage, _entries(stage))
    assert _count(db_session, SignOff, SignOff.reviewer_id == late.id) == 0


def test_once_reviewers_are_assigned_an_unassigned_reviewer_cannot_review(make, db_session):
    stage = make.submitted_stage()
    assigned, unassigned = make.reviewers(2)
    assert stage.id in _queue(db_session, unassigned)
    reviews.assign_reviewer(make.user("chair"), stage, assigned)
    _assert_cannot_review(db_session, unassigned, stage)
    assert stage.id in _queue(db_session, assigned)
    make.sign(assigned, stage)
    assert _count(db_session, SignOff, SignOff.reviewer_id == assigned.id) == 1


def test_a_deactivated_reviewer_cannot_review(make, db_session):
    from reviewboard.auth.services import set_active

    stage = make.submitted_stage()
    (reviewer,) = make.reviewers(1)
    set_active(make.user("chair"), reviewer, False)
    with pytest.raises(NotPermitted):
        reviews.save_verdicts(reviewer, stage, _entries(stage))
    with pytest.raises(NotPermitted):
        reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD)
    with pytest.raises(ServiceError, match="active reviewer"):
        reviews.assign_reviewer(make.user("chair"), stage, reviewer)
