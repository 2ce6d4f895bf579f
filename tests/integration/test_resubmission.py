"""Resubmission through the services, on both engines: the reviewers who request changes mark the criteria
to reopen (or reopen all); on the next submission the verdicts on the other criteria carry over and only the
reopened ones start empty. The same carry-over follows a re-review that reopened a passed stage."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import ServiceError
from reviewboard.projects import services as projects
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.resubmission import current_diff
from reviewboard.reviews.signatures import check_signoff
from reviewboard.reviews.workflow import IllegalTransition, Outcome, StageState, VerdictValue
from tests.support.factories import PASSWORD, project_fields


def request_changes(reviewer, stage, marked=(), reopen_all=False):
    """Verdicts on every criterion ("does not meet" on the marked ones, marked to reopen), then sign."""
    marked_ids = {c.id for c in marked}
    entries = [reviews.VerdictEntry(c.id, VerdictValue.DOES_NOT_MEET, "Missing test data.", reopen=True)
               if c.id in marked_ids else reviews.VerdictEntry(c.id, VerdictValue.MEETS, "")
               for c in stage.applicable_criteria()]
    reviews.save_verdicts(reviewer, stage, entries)
    return reviews.sign_decision(reviewer, stage, Outcome.REQUEST_CHANGES, PASSWORD, reopen_all=reopen_all)


def resubmit(make, stage, note="Added the test data."):
    make.evidence(stage, filename=f"round-{stage.round_number + 1}.md", data=f"# {note}\n".encode())
    return lifecycle.submit_stage(stage.project.owner, stage, note, stage.version)


def verdicts_of(round_, reviewer):
    return {v.criterion.code: v for v in round_.verdicts if v.reviewer_id == reviewer.id}


@pytest.fixture()
def reviewed(make):
    stage = make.submitted_stage()
    criteria = stage.applicable_criteria()
    assert len(criteria) >= 3, "these tests need a stage with three criteria or more"
    return stage, criteria, make.reviewers()


def test_only_the_marked_criteria_reopen_and_the_other_verdicts_carry_over(make, db_session, reviewed):
    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)  # a approves
    signoff = request_changes(b, stage, marked=[criteria[0]])
    assert stage.state == StageState.CHANGES_REQUESTED
    assert stage.reopen_codes == [criteria[0].code]
    assert json.loads(signoff.signed_content)["reopen"] == [criteria[0].code]  # part of what b signed
    round_two = resubmit(make, stage)
    reopened, kept = criteria[0].code, {c.code for c in criteria[1:]}
    for reviewer in (a, b):
        mine = verdicts_of(round_two, reviewer)
        assert set(mine) == kept  # the reopened criterion starts empty
        assert all(v.carried_over and not v.reopen for v in mine.values())
    assert all(v.value == VerdictValue.MEETS for v in verdicts_of(round_two, b).values())
    carried = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "verdicts.carried_over",
                                                          AuditEvent.object_id == str(stage.id))).one()
    assert '"reopened":["' + reopened + '"]' in carried.payload
    # b must look at the reopened criterion again, and only at it
    with pytest.raises(ServiceError, match=f"missing: {reopened}\\)"):
        reviews.sign_decision(b, stage, Outcome.APPROVE, PASSWORD)
    for reviewer in (a, b):
        reviews.save_verdicts(reviewer, stage, [reviews.VerdictEntry(criteria[0].id, VerdictValue.MEETS, "")])
        reviews.sign_decision(reviewer, stage, Outcome.APPROVE, PASSWORD)
    assert stage.state == StageState.APPROVED
    assert stage.reopen_codes is None  # consumed: a later reopening sets its own
    assert all(check_signoff(s).valid for s in round_two.signoffs)  # carried verdicts are part of what was signed


def test_reopen_all_reopens_every_criterion(make, db_session, reviewed):
    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage, marked=[criteria[0]], reopen_all=True)
    assert stage.reopen_codes is None
    assert all(v.reopen for v in verdicts_of(stage.current_round, b).values())
    round_two = resubmit(make, stage)
    assert round_two.verdicts == []


def test_when_nobody_marks_a_criterion_every_criterion_reopens(make, db_session, reviewed):
    stage, _criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage)
    assert stage.reopen_codes is None
    assert resubmit(make, stage).verdicts == []


def test_the_marks_of_every_reviewer_requesting_changes_add_up_and_approvers_marks_do_not_count(make, db_session,
                                                                                              reviewed):
    stage, criteria, (a, b) = reviewed
    c = make.user("reviewer")
    # a approves, with a stray reopen mark that means nothing for an approval
    reviews.save_verdicts(a, stage, [reviews.VerdictEntry(x.id, VerdictValue.MEETS, "", reopen=x == criteria[2])
                                     for x in criteria])
    reviews.sign_decision(a, stage, Outcome.APPROVE, PASSWORD)
    request_changes(b, stage, marked=[criteria[1]])
    assert stage.reopen_codes == [criteria[1].code]
    # another stage with two reviewers requesting changes, each marking a different criterion
    other = make.submitted_stage()
    other_criteria = other.applicable_criteria()
    request_changes(b, other, marked=[other_criteria[0]])
    request_changes(c, other, marked=[other_criteria[2]])
    assert other.reopen_codes == sorted([other_criteria[0].code, other_criteria[2].code])
    round_two = resubmit(make, other)
    assert set(verdicts_of(round_two, c)) == {other_criteria[1].code} | {x.code for x in other_criteria[3:]}


def test_a_carried_over_verdict_stays_editable(make, db_session, reviewed):
    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage, marked=[criteria[0]])
    round_two = resubmit(make, stage)
    reviews.save_verdicts(a, stage, [
        reviews.VerdictEntry(criteria[1].id, VerdictValue.PARTIALLY_MEETS, "The new file contradicts the plan."),
        reviews.VerdictEntry(criteria[2].id, VerdictValue.MEETS, ""),  # unchanged: still the carried verdict
    ])
    mine = verdicts_of(round_two, a)
    assert mine[criteria[1].code].value == VerdictValue.PARTIALLY_MEETS and not mine[criteria[1].code].carried_over
    assert mine[criteria[2].code].carried_over


def test_an_unchanged_resubmission_is_refused_even_with_a_new_note(make, db_session, reviewed):
    stage, _criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage)
    with pytest.raises(IllegalTransition, match="nothing changed since the last round"):
        lifecycle.submit_stage(stage.project.owner, stage, "We think it is fine as it is.", stage.version)
    assert stage.state == StageState.CHANGES_REQUESTED and stage.round_number == 1


def test_after_a_reopen_the_next_submission_carries_over_the_verdicts_not_reopened(make, db_session, reviewed):
    from reviewboard.reviews.lifecycle import reopen_stage

    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED and stage.reopen_codes is None
    assert reopen_stage(make.user("chair"), stage, trigger="material_change", reason="New data source.",
                        codes=[criteria[1].code])
    assert stage.state == StageState.DRAFT
    round_two = lifecycle.submit_stage(stage.project.owner, stage, "", stage.version)
    for reviewer in (a, b):
        assert set(verdicts_of(round_two, reviewer)) == {c.code for c in criteria} - {criteria[1].code}


def test_the_reviewer_sees_what_changed_since_the_last_round(make, db_session, reviewed):
    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage, marked=[criteria[0]])
    project = stage.project
    owner = project.owner
    assert current_diff(stage) is None  # one round only
    projects.update_project(owner, project, project_fields(name=project.name, purpose="Triage; never decides."),
                            dict(project.answers), project.version)
    old = stage.evidence[0]
    projects.withdraw_evidence(owner, old)
    projects.add_evidence(owner, stage, old.criterion_id, "brief-v2.md", b"# Evidence, second version\n")
    projects.add_evidence(owner, stage, criteria[2].id, "tests.csv", b"case,result\n1,ok\n")
    lifecycle.submit_stage(owner, stage, "Purpose narrowed; brief rewritten; tests added.", stage.version)
    diff = current_diff(stage)
    assert (diff.before_round, diff.after_round) == (1, 2)
    assert diff.note == "Purpose narrowed; brief rewritten; tests added."
    assert [(c.label, c.before, c.after) for c in diff.fields] == [
        ("Purpose", "Suggests triage levels.", "Triage; never decides.")]
    assert {(e.kind, e.criterion, e.filename, e.old_filename) for e in diff.evidence} == {
        ("replaced", old.criterion.code, "brief-v2.md", old.filename), ("added", criteria[2].code, "tests.csv", "")}


def test_a_new_model_version_alone_makes_a_resubmission_and_shows_in_the_diff(make, db_session, reviewed):
    from reviewboard.models.base import utcnow
    from reviewboard.records.services import build_record_data

    stage, criteria, (a, b) = reviewed
    make.sign(a, stage)
    request_changes(b, stage, marked=[criteria[0]])
    project, owner = stage.project, stage.project.owner
    projects.update_project(owner, project, project_fields(name=project.name, model="Classifier v3 (retrained)"),
                            dict(project.answers), project.version)
    lifecycle.submit_stage(owner, stage, "Retrained the classifier.", stage.version)  # nothing else changed
    diff = current_diff(stage)
    assert [(c.label, c.before, c.after) for c in diff.fields] == [
        ("AI models and versions", "—", "Classifier v3 (retrained)")]
    assert build_record_data(stage, 1, utcnow())["project"]["model"] == "Classifier v3 (retrained)"
