"""Committee mechanics through the service layer: conflict declarations and recusal, reviewer proposals,
separation of duties on approvals (chairs alone, required expertise, the submitter) and delegation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.committee import services as committee
from reviewboard.committee.models import ConflictDeclaration, Delegation
from reviewboard.config import from_environment
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.projects.models import ProjectMember
from reviewboard.reviews import lifecycle
from reviewboard.reviews import permissions as perms
from reviewboard.reviews import services as reviews
from reviewboard.reviews.models import SignOff, Verdict
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import Outcome, StageState
from tests.support.factories import PASSWORD


def _events(db_session, action):
    return [json.loads(e.payload) for e in db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                                               .order_by(AuditEvent.seq))]


def _assign(make, stage, *people):
    chair = make.user("chair")
    for person in people:
        reviews.assign_reviewer(chair, stage, person)
    return chair


# ------------------------------------------------------------------------------------------- conflicts


def test_a_reviewer_declares_before_seeing_the_round_and_no_conflict_lets_them_review(make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    auditor = make.user("auditor")
    assert perms.must_declare(reviewer, stage) and perms.content_withheld(reviewer, stage)
    assert not perms.content_withheld(auditor, stage)  # only the round's possible reviewers declare
    assert not perms.must_declare(stage.project.owner, stage)
    make.declare(reviewer, stage)
    assert not perms.must_declare(reviewer, stage)
    assert not perms.content_withheld(reviewer, stage) and perms.can_sign(reviewer, stage)
    [event] = _events(db_session, "conflict.none_declared")
    assert event["after"]["has_conflict"] is False and event["actor_id"] == reviewer.id
    with pytest.raises(Conflict):  # one declaration per round
        make.declare(reviewer, stage, "changed my mind")


def test_a_conflict_must_say_what_it_is(make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    with pytest.raises(ServiceError) as refused:
        committee.declare(reviewer, stage, True, "   ")
    assert refused.value.field == "nature"
    assert db_session.scalars(select(ConflictDeclaration)).all() == []


def test_only_a_possible_reviewer_of_the_round_declares(make, db_session):
    stage = make.submitted_stage()
    for person in (stage.project.owner, make.user("auditor"), make.user("chair")):
        with pytest.raises(NotPermitted):
            committee.declare(person, stage, False)
    draft = make.project().stages[0]
    with pytest.raises(NotPermitted):
        committee.declare(make.user("reviewer"), draft, False)


def test_a_recused_reviewer_cannot_record_verdicts_or_sign_and_the_chairs_are_told(make, db_session):
    stage = make.submitted_stage()
    reviewer = make.user("reviewer")
    chair = make.user("chair", name="Chloe Chair")
    make.declare(reviewer, stage, "My sister leads this project.")
    assert perms.is_recused(reviewer, stage) and perms.content_withheld(reviewer, stage)
    assert not perms.can_review(reviewer, stage) and not perms.can_sign(reviewer, stage)
    with pytest.raises(NotPermitted, match="recused"):
        make.verdicts(reviewer, stage)
    with pytest.raises(NotPermitted, match="recused"):
        reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD)
    assert db_session.scalars(select(SignOff)).all() == []
    [event] = _events(db_session, "conflict.declared")
    assert event["after"]["nature"] == "My sister leads this project." and chair.email in event["after"]["notified"]
    assert reviewer.id not in {u.id for u in committee.eligible_reviewers(stage)}


def test_a_reviewer_who_declared_none_can_still_declare_a_conflict_before_signing(make, db_session, issued_records):
    stage = make.submitted_stage()
    late, a, b = make.reviewers(3)
    chair = make.user("chair", name="Chloe Chair")
    make.verdicts(late, stage)  # declares no conflict, then saves verdicts without signing
    mine = [v for v in stage.current_round.verdicts if v.reviewer_id == late.id]
    assert len(mine) == len(stage.applicable_criteria())
    with pytest.raises(ServiceError, match="Say what the conflict is"):
        committee.declare_late_conflict(late, stage, "  ")
    found = committee.declare_late_conflict(late, stage, "I advised the team on its data pipeline.")
    assert found.has_conflict and found.conflict_declared_at >= found.declared_at
    assert perms.is_recused(late, stage) and perms.content_withheld(late, stage)
    # nothing of theirs stays in the round, and they can neither review nor sign any more
    assert db_session.scalars(select(Verdict).where(Verdict.reviewer_id == late.id)).all() == []
    with pytest.raises(NotPermitted, match="recused"):
        make.verdicts(late, stage)
    with pytest.raises(NotPermitted, match="recused"):
        reviews.sign_decision(late, stage, Outcome.APPROVE, PASSWORD)
    with pytest.raises(Conflict, match="already recused"):
        committee.declare_late_conflict(late, stage, "Again.")
    [event] = _events(db_session, "conflict.declared_late")
    assert event["before"]["has_conflict"] is False and event["after"]["has_conflict"] is True
    assert event["after"]["withdrawn_verdicts"] == sorted(c.code for c in stage.applicable_criteria())
    assert chair.email in event["after"]["notified"]
    # the others decide; the record shows the conflict and when it was declared
    make.sign(a, stage)
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED
    [data] = issued_records
    [mine] = [d for d in data["declarations"] if d["reviewer"] == late.name]
    assert mine["conflict"] and mine["conflict_declared_at"] and mine["nature"].startswith("I advised")
    assert late.name not in {v["reviewer"] for c in data["criteria"] for v in c["verdicts"]}


def test_a_late_conflict_is_refused_once_signed_or_without_a_declaration(make, db_session):
    stage = make.submitted_stage()
    signer, stranger = make.reviewers(2)
    make.sign(signer, stage)
    with pytest.raises(Conflict, match="signed this round already"):
        committee.declare_late_conflict(signer, stage, "I know the team.")
    with pytest.raises(NotPermitted, match="not declared"):
        committee.declare_late_conflict(stranger, stage, "I know the team.")
    assert not perms.can_declare_late_conflict(signer, stage)
    assert _events(db_session, "conflict.declared_late") == []


def test_a_recusal_on_an_assigned_stage_needs_a_replacement_until_a_chair_assigns_one(make, db_session):
    stage = make.submitted_stage()
    a, b, spare = make.reviewers(3)
    chair = _assign(make, stage, a, b)
    make.declare(a, stage, "I advised the team on this system.")
    make.declare(b, stage)
    assert committee.counted_reviewer_ids(stage) == {b.id}
    [need] = committee.recusals_needing_replacement()
    assert need.stage.id == stage.id and [u.id for u in need.recused] == [a.id]
    assert (need.counted, need.wanted) == (1, 2)
    make.sign(b, stage)
    assert stage.state == StageState.IN_REVIEW  # the quorum of 2 cannot be met by the one counted reviewer
    reviews.assign_reviewer(chair, stage, spare)
    assert committee.recusals_needing_replacement() == []
    reviews.unassign_reviewer(chair, stage, a.id)
    with pytest.raises(ServiceError, match="conflict"):
        reviews.assign_reviewer(chair, stage, a)  # the recused reviewer cannot come back through assignment
    assert committee.recusals_needing_replacement() == []


def test_recusals_needing_replacement_ignores_stages_without_assignments(make, db_session):
    stage = make.submitted_stage()
    make.declare(make.user("reviewer"), stage, "Former employer")
    assert committee.recusals_needing_replacement() == []


# ------------------------------------------------------------------------------------------- proposals


def test_proposal_picks_the_least_loaded_eligible_reviewers_and_skips_members_conflicted_and_away(
        make, db_session):
    for person in committee.eligible_reviewers(make.submitted_stage()):  # reviewers of earlier tests
        person.active = False
    stage = make.submitted_stage()
    chair = make.user("chair")
    idle = make.user("reviewer", name="Ida Idle")
    one = make.user("reviewer", name="Oona One")
    busy = make.user("reviewer", name="Bea Busy")
    member = make.user("reviewer", name="Mo Member")
    conflicted = make.user("reviewer", name="Cy Conflicted")
    away = make.user("reviewer", name="Al Away")
    inactive = make.user("reviewer", name="Ina Inactive")
    inactive.active = False
    stage.project.members.append(ProjectMember(user_id=member.id))
    make.declare(conflicted, stage, "Shares an office with the owner")
    make.delegation(away, idle)
    for other in (make.submitted_stage(), make.submitted_stage()):
        reviews.assign_reviewer(chair, other, busy)
    reviews.assign_reviewer(chair, make.submitted_stage(), one)
    db_session.flush()

    proposal = committee.propose_reviewers(stage)
    assert (proposal.wanted, proposal.counted) == (2, 0)
    assert [(c.reviewer.name, c.load) for c in proposal.candidates] == [("Ida Idle", 0), ("Oona One", 1)]
    stage.pipeline_stage.reviewers = 3
    names = [c.reviewer.name for c in committee.propose_reviewers(stage).candidates]
    assert names == ["Ida Idle", "Oona One", "Bea Busy"]
    stage.pipeline_stage.reviewers = 2

    assigned = reviews.assign_proposed(chair, stage, [c.reviewer.id for c in proposal.candidates])
    assert {u.id for u in assigned} == stage.assigned_reviewer_ids == {idle.id, one.id}
    assert committee.propose_reviewers(stage).needed == 0
    assert committee.open_loads()[idle.id] == 1


def test_proposal_brings_required_expertise_first(make, db_session):
    stage = make.submitted_stage()
    for person in committee.eligible_reviewers(stage):
        person.active = False
    make.user("reviewer", name="Pat Plain")
    make.user("reviewer", name="Paula Plain")
    lawyer = make.user("reviewer", name="Lee Lawyer")
    lawyer.expertise = ["legal"]
    reviews.assign_reviewer(make.user("chair"), make.submitted_stage(), lawyer)  # load 1
    db_session.flush()
    assert [c.reviewer.name for c in committee.propose_reviewers(stage).candidates] == ["Pat Plain", "Paula Plain"]
    stage.pipeline_stage.required_roles = [{"expertise": "legal"}]
    db_session.flush()
    proposal = committee.propose_reviewers(stage)
    assert [(c.reviewer.name, c.load, c.covers) for c in proposal.candidates] == [
        ("Lee Lawyer", 1, ["legal"]), ("Pat Plain", 0, [])]
    assert proposal.uncovered == []


def test_only_an_independent_chair_may_have_reviewers_assigned_from_a_proposal(make, db_session):
    stage = make.submitted_stage()
    with pytest.raises(NotPermitted):
        reviews.assign_proposed(make.user("reviewer"), stage, [make.user("reviewer").id])
    with pytest.raises(ServiceError):
        reviews.assign_proposed(make.user("chair"), stage, [])


# -------------------------------------------------------------------------------- separation of duties


def test_the_submitter_of_the_round_never_signs_it(make, db_session):
    stage = make.submitted_stage()
    former_member = make.user("reviewer")
    stage.current_round.submitted_by_id = former_member.id  # submitted while a member, since removed
    db_session.flush()
    assert perms.is_independent(former_member, stage)
    assert not perms.could_review(former_member, stage) and not perms.can_sign(former_member, stage)
    with pytest.raises(NotPermitted):
        make.sign(former_member, stage)
    with pytest.raises(ServiceError, match="submitted"):
        reviews.assign_reviewer(make.user("chair"), stage, former_member)


def test_chairs_alone_cannot_approve_the_stage_waits_for_a_non_chair_reviewer(make, db_session, issued_records):
    stage = make.submitted_stage()
    first, second = make.user("reviewer", "chair"), make.user("reviewer", "chair")
    for chair in (first, second):
        make.declare(chair, stage)
        make.sign(chair, stage)
    assert stage.state == StageState.IN_REVIEW and len(stage.current_round.signoffs) == 2
    assert any("not a chair" in reason for reason in committee.approval_waits_for(stage))
    assert issued_records == []
    reviewer = make.user("reviewer")
    make.declare(reviewer, stage)
    make.sign(reviewer, stage)
    assert stage.state == StageState.APPROVED
    assert committee.approval_waits_for(stage) == []


def test_chairs_alone_may_still_request_changes(make, db_session):
    stage = make.submitted_stage()
    for chair in (make.user("reviewer", "chair"), make.user("reviewer", "chair")):
        make.declare(chair, stage)
        make.sign(chair, stage, Outcome.REQUEST_CHANGES)
    assert stage.state == StageState.CHANGES_REQUESTED


def test_the_chair_rule_can_be_switched_off(make, db_session, app, monkeypatch, issued_records):
    off = from_environment({"REVIEWBOARD_CHAIR_CANNOT_APPROVE_ALONE": "false"})  # as the environment gives it
    monkeypatch.setitem(app.config, "CHAIR_CANNOT_APPROVE_ALONE", off["CHAIR_CANNOT_APPROVE_ALONE"])
    stage = make.submitted_stage()
    for chair in (make.user("reviewer", "chair"), make.user("reviewer", "chair")):
        make.declare(chair, stage)
        make.sign(chair, stage)
    assert stage.state == StageState.APPROVED


def test_an_approval_waits_until_the_signers_cover_the_required_expertise(make, db_session, issued_records):
    stage = make.submitted_stage()
    stage.pipeline_stage.required_roles = [{"expertise": "legal"}, {"expertise": "external", "tiers": ["high"]}]
    db_session.flush()
    assert committee.required_expertise(stage) == ["legal"]  # the project is not high tier
    for reviewer in make.reviewers(2):
        make.declare(reviewer, stage)
        make.sign(reviewer, stage)
    assert stage.state == StageState.IN_REVIEW
    assert committee.approval_waits_for(stage) == ["a signer with the required expertise: legal"]
    lawyer = make.user("reviewer")
    lawyer.expertise = ["legal", "privacy"]
    make.declare(lawyer, stage)
    make.sign(lawyer, stage)
    assert stage.state == StageState.APPROVED


def test_a_required_expertise_rule_reads_the_project_data(make, db_session):
    stage = make.submitted_stage(data_categories=["personal"])
    stage.pipeline_stage.required_roles = [{"expertise": "legal", "when": "personal_data"}]
    assert committee.required_expertise(stage) == ["legal"]
    plain = make.submitted_stage(data_categories=["anonymous"])
    assert committee.required_expertise(plain) == []


# ------------------------------------------------------------------------------------------ delegation


def test_a_delegate_declares_records_and_signs_on_behalf_of_an_away_reviewer(make, db_session, issued_records):
    stage = make.submitted_stage()
    away, present = make.user("reviewer", name="Ava Away"), make.user("reviewer")
    delegate = make.user("reviewer", name="Dan Delegate")
    _assign(make, stage, away, present)
    assert not perms.could_review(delegate, stage)  # not assigned, no delegation yet
    make.delegation(away, delegate)
    assert perms.acting_for(delegate, stage).id == away.id
    assert perms.must_declare(delegate, stage)
    make.declare(delegate, stage)
    signoff = make.sign(delegate, stage)
    assert signoff.reviewer_id == delegate.id and signoff.on_behalf_of_id == away.id
    assert signoff.role_title == "Delegate of Ava Away"
    assert signoff.meaning == "Approved as delegate of Ava Away, stage Design" and check_signoff(signoff).valid
    verdicts = db_session.scalars(select(Verdict).where(Verdict.reviewer_id == delegate.id)).all()
    assert verdicts and {v.on_behalf_of_id for v in verdicts} == {away.id}
    [signed] = _events(db_session, "signoff.signed")
    assert signed["actor_id"] == delegate.id and signed["on_behalf_of"] == {"id": away.id, "name": "Ava Away"}
    assert all(e["on_behalf_of"]["id"] == away.id for e in _events(db_session, "verdict.recorded"))
    assert perms.has_signed(away, stage)  # the away reviewer's place is taken: they cannot sign it again
    with pytest.raises(Conflict):
        reviews.sign_decision(away, stage, Outcome.APPROVE, PASSWORD)
    make.declare(present, stage)
    make.sign(present, stage)
    assert stage.state == StageState.APPROVED
    [record] = issued_records
    by_name = {s["name"]: s for s in record["signatures"]}
    assert by_name["Dan Delegate"]["on_behalf_of"] == "Ava Away"
    assert any(e["actor"] == "Dan Delegate on behalf of Ava Away" for e in record["audit_events"])
    assert {d["reviewer"] for d in record["declarations"]} == {"Dan Delegate", present.name}
    from reviewboard.records.pdf import render_record_html

    html = " ".join(render_record_html(record).split())
    assert "Conflict-of-interest declarations" in html and "No conflict of interest" in html
    assert "On behalf of</th><td>Ava Away (signed by Dan Delegate as delegate)" in html


def test_a_delegate_who_is_a_member_of_the_project_cannot_act(make, db_session):
    stage = make.submitted_stage()
    away = make.user("reviewer")
    delegate = make.user("reviewer")
    _assign(make, stage, away)
    stage.project.members.append(ProjectMember(user_id=delegate.id))
    make.delegation(away, delegate)
    db_session.flush()
    assert not perms.could_review(delegate, stage)
    with pytest.raises(NotPermitted):
        committee.declare(delegate, stage, False)
    with pytest.raises(NotPermitted):
        make.verdicts(delegate, stage)


def test_a_delegation_gives_nothing_before_its_period_or_once_revoked(make, db_session):
    stage = make.submitted_stage()
    away, delegate = make.user("reviewer"), make.user("reviewer")
    _assign(make, stage, away)
    later = make.delegation(away, delegate, starts_in=3)
    assert perms.acting_for(delegate, stage) is None and not perms.could_review(delegate, stage)
    committee.revoke_delegation(away, later)
    now = make.delegation(away, delegate)
    assert perms.could_review(delegate, stage)
    with pytest.raises(NotPermitted):
        committee.revoke_delegation(delegate, now)  # only the delegator revokes
    committee.revoke_delegation(away, now)
    assert not perms.could_review(delegate, stage)
    with pytest.raises(Conflict):
        committee.revoke_delegation(away, now)
    assert [e["action"] for e in _events(db_session, "delegation.revoked")] == ["delegation.revoked"] * 2


def test_a_recused_delegate_cannot_act_for_anyone(make, db_session):
    stage = make.submitted_stage()
    away, delegate = make.user("reviewer"), make.user("reviewer")
    _assign(make, stage, away)
    make.delegation(away, delegate)
    make.declare(delegate, stage, "Consulted for the vendor")
    with pytest.raises(NotPermitted, match="recused"):
        make.sign(delegate, stage)


def test_delegations_are_checked(make, db_session):
    from datetime import timedelta

    from reviewboard.models.base import utcnow

    reviewer, other = make.user("reviewer"), make.user("reviewer")
    today = utcnow().date()
    cases = [
        (make.user("submitter"), today, today, "delegate_id"),   # not a reviewer
        (reviewer, today, today, "delegate_id"),                 # oneself
        (other, today, today - timedelta(days=1), "ends_on"),    # ends before it starts
        (other, today - timedelta(days=9), today - timedelta(days=2), "ends_on"),  # already over
    ]
    for delegate, start, end, field_name in cases:
        with pytest.raises(ServiceError) as refused:
            committee.create_delegation(reviewer, delegate, start, end)
        assert refused.value.field == field_name
    committee.create_delegation(reviewer, other, today, today + timedelta(days=5), "Conference")
    with pytest.raises(ServiceError, match="already delegated"):
        committee.create_delegation(reviewer, make.user("reviewer"), today + timedelta(days=2),
                                    today + timedelta(days=9))
    with pytest.raises(NotPermitted):
        committee.create_delegation(make.user("submitter"), other, today, today)
    assert perms.is_away(reviewer) and not perms.is_away(other)
    assert len(db_session.scalars(select(Delegation)).all()) == 1


def test_the_database_refuses_a_self_delegation_and_a_conflict_without_its_nature(make, db_session):
    from sqlalchemy.exc import IntegrityError

    from reviewboard.models.base import utcnow

    reviewer = make.user("reviewer")
    stage = make.submitted_stage()
    for row in (Delegation(delegator_id=reviewer.id, delegate_id=reviewer.id, starts_on=utcnow().date(),
                           ends_on=utcnow().date()),
                ConflictDeclaration(stage_review_id=stage.id, reviewer_id=reviewer.id, round_number=1,
                                    has_conflict=True, nature="")):
        nested = db_session.begin_nested()
        db_session.add(row)
        with pytest.raises(IntegrityError):
            db_session.flush()
        nested.rollback()


def _queue(db_session, user) -> list[int]:
    return [stage.id for stage, _at in db_session.execute(reviews.queue_query(user, status="all"))]


def test_the_queue_drops_a_recused_reviewer_and_offers_a_delegate_the_away_reviewers_stages(make, db_session):
    stage = make.submitted_stage()
    recused, away, delegate = make.user("reviewer"), make.user("reviewer"), make.user("reviewer")
    assert stage.id in _queue(db_session, recused)
    make.declare(recused, stage, "Co-author of the team's paper")
    assert stage.id not in _queue(db_session, recused)
    _assign(make, stage, away)
    assert stage.id not in _queue(db_session, delegate)  # assigned to someone else
    make.delegation(away, delegate)
    assert stage.id in _queue(db_session, delegate)


def test_the_queue_shows_a_reviewer_their_assigned_and_unassigned_stages_never_others_assigned(make, db_session):
    """Each stage's assignments are checked on that stage: an assignment elsewhere opens nothing else."""
    mine, others, open_to_all = (make.submitted_stage() for _ in range(3))
    me, colleague = make.user("reviewer"), make.user("reviewer")
    _assign(make, mine, me)
    _assign(make, others, colleague)
    assert set(_queue(db_session, me)) >= {mine.id, open_to_all.id}
    assert others.id not in _queue(db_session, me)
    assert others.id in _queue(db_session, colleague) and mine.id not in _queue(db_session, colleague)
    _assign(make, others, me)  # assigned beside the colleague
    assert others.id in _queue(db_session, me)


def test_each_round_needs_its_own_declaration(make, db_session):

    stage = make.submitted_stage()
    a, b = make.reviewers(2)
    make.declare(a, stage, "Reviewed a competing bid")  # recused from round 1 only
    make.sign(b, stage, Outcome.REQUEST_CHANGES)
    third = make.user("reviewer")
    make.sign(third, stage, Outcome.REQUEST_CHANGES)
    assert stage.state == StageState.CHANGES_REQUESTED
    make.evidence(stage, filename="answers.md", data=b"# Answers to the reviewers\n")
    lifecycle.submit_stage(stage.project.owner, stage, "Addressed comments", stage.version)
    assert stage.round_number == 2
    for person in (a, b):
        assert perms.must_declare(person, stage)
    assert not perms.is_recused(a, stage)  # round 1's conflict does not carry over by itself
    assert a.id not in {u.id for u in committee.eligible_reviewers(stage)}  # but a chair is not offered them
    assert [(d.reviewer_id, d.round_number) for d in committee.declarations(stage)] == [
        (a.id, 1), (b.id, 1), (third.id, 1)]
