"""Comment services on both engines: who posts which visibility, who reads what, threads, audit."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.models import AuditEvent
from reviewboard.comments import permissions as perms
from reviewboard.comments.models import Comment
from reviewboard.comments.services import post_comment, submitter_visible_comments, threads_for
from reviewboard.core.errors import NotPermitted, ServiceError

INTERNAL = "Internal: the bias analysis looks thin to me"
SHARED = "Please add the subgroup results to the test report"


@pytest.fixture()
def stage(make):
    return make.submitted_stage()


@pytest.fixture()
def reviewer(make, stage):
    person = make.user("reviewer")
    make.declare(person, stage)
    return person


def _bodies(threads) -> list[str]:
    out = []
    for items in threads.values():
        stack = list(items)
        while stack:
            t = stack.pop(0)
            out.append(t.comment.body)
            stack[:0] = t.replies
    return out


def test_committee_reads_everything_and_the_team_only_what_is_shared(make, stage, reviewer):
    criterion = stage.applicable_criteria()[0]
    post_comment(reviewer, stage, INTERNAL, "committee", criterion_id=criterion.id)
    post_comment(reviewer, stage, SHARED, "submitter", criterion_id=criterion.id)
    owner = stage.project.owner
    for person in (reviewer, make.user("chair"), make.user("auditor")):
        assert sorted(_bodies(threads_for(person, stage))) == sorted([INTERNAL, SHARED])
    assert _bodies(threads_for(owner, stage)) == [SHARED]
    assert [c.body for c in submitter_visible_comments(stage)] == [SHARED]
    assert perms.visible_kinds(make.user("submitter"), stage) == ()  # another team sees nothing


def test_a_project_member_with_committee_roles_is_still_the_team(make):
    insider = make.user("submitter", "reviewer", "chair", "auditor")
    stage = make.submitted_stage(owner=insider)
    reviewer = make.user("reviewer")
    make.declare(reviewer, stage)
    post_comment(reviewer, stage, INTERNAL, "committee")
    assert _bodies(threads_for(insider, stage)) == []
    assert perms.postable_kinds(insider, stage) == ("submitter",)


def test_a_reviewer_who_has_not_declared_or_is_recused_sees_no_comment(make, stage, reviewer):
    post_comment(reviewer, stage, SHARED, "submitter")
    undeclared = make.user("reviewer")
    assert threads_for(undeclared, stage) == {}
    assert not perms.can_post_comment(undeclared, stage)
    recused = make.user("reviewer")
    make.declare(recused, stage, nature="I advised this team last year")
    assert threads_for(recused, stage) == {}


def test_the_team_cannot_post_internal_comments_and_auditors_post_nothing(make, stage, reviewer):
    owner = stage.project.owner
    with pytest.raises(NotPermitted):
        post_comment(owner, stage, "hidden from the committee?", "committee")
    with pytest.raises(NotPermitted):
        post_comment(make.user("auditor"), stage, "observing", "submitter")
    with pytest.raises(NotPermitted):
        post_comment(make.user("submitter"), stage, "not my project", "submitter")
    assert post_comment(owner, stage, "We will add it", "submitter").visibility == "submitter"


def test_replies_form_threads_and_stay_no_wider_than_their_parent(make, stage, reviewer):
    criterion = stage.applicable_criteria()[0]
    owner = stage.project.owner
    question = post_comment(reviewer, stage, SHARED, "submitter", criterion_id=criterion.id)
    answer = post_comment(owner, stage, "Added in v2 of the report", "submitter", criterion_id=criterion.id,
                          parent=question)
    nested = post_comment(reviewer, stage, "Thanks, that settles it", "submitter", criterion_id=criterion.id,
                          parent=answer)
    aside = post_comment(reviewer, stage, INTERNAL, "committee", criterion_id=criterion.id, parent=question)
    [thread] = threads_for(reviewer, stage)[criterion.id]
    assert thread.comment.id == question.id
    assert [r.comment.id for r in thread.replies] == [answer.id, aside.id]
    assert [r.comment.id for r in thread.replies[0].replies] == [nested.id]
    [team_view] = threads_for(owner, stage)[criterion.id]
    assert [r.comment.id for r in team_view.replies] == [answer.id]  # the committee's aside is not there

    internal = post_comment(reviewer, stage, INTERNAL, "committee", criterion_id=criterion.id)
    with pytest.raises(ServiceError, match="stays committee-only"):
        post_comment(reviewer, stage, "shared reply", "submitter", criterion_id=criterion.id, parent=internal)
    with pytest.raises(NotPermitted):
        post_comment(owner, stage, "peeking", "submitter", criterion_id=criterion.id, parent=internal)
    with pytest.raises(ServiceError, match="same thread"):
        post_comment(reviewer, stage, "elsewhere", "committee", criterion_id=None, parent=internal)


def test_bad_input_is_refused(make, stage, reviewer):
    with pytest.raises(ServiceError, match="Write a comment"):
        post_comment(reviewer, stage, "   ", "committee")
    with pytest.raises(ServiceError, match="at most"):
        post_comment(reviewer, stage, "x" * 5001, "committee")
    with pytest.raises(ServiceError, match="who can see"):
        post_comment(reviewer, stage, "hello", "everyone")
    other_stage = stage.project.stages[1]
    foreign = other_stage.catalog.criteria[-1]
    assert foreign.id not in {c.id for c in stage.applicable_criteria()}
    with pytest.raises(ServiceError, match="not part of this stage"):
        post_comment(reviewer, stage, "hello", "committee", criterion_id=foreign.id)


def test_each_comment_is_audited_without_its_text(make, stage, reviewer, db_session):
    comment = post_comment(reviewer, stage, INTERNAL, "committee")
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.posted",
                                                        AuditEvent.object_id == str(comment.id))).one()
    payload = json.loads(event.payload)
    assert event.actor_id == reviewer.id
    assert payload["after"]["visibility"] == "committee" and payload["after"]["stage_review_id"] == stage.id
    assert payload["after"]["body_sha256"] == hashlib.sha256(INTERNAL.encode()).hexdigest()
    assert INTERNAL not in event.payload
    assert comment.round_number == stage.round_number == 1


def test_the_database_refuses_an_unknown_visibility(make, stage, reviewer, db_session):
    comment = post_comment(reviewer, stage, SHARED, "submitter")
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(text("UPDATE comment SET visibility = 'public' WHERE id = :id"), {"id": comment.id})
    assert db_session.get(Comment, comment.id).visibility == "submitter"
