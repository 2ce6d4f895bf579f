"""The stage workflow's transition table, guards and quorum rule, without a database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reviewboard.reviews import workflow
from reviewboard.reviews.workflow import Action, Facts, IllegalTransition, Outcome, StageState


@dataclass
class Stage:
    state: StageState


@pytest.mark.parametrize(("start", "action", "end"), [
    (StageState.LOCKED, Action.OPEN, StageState.DRAFT),
    (StageState.DRAFT, Action.SUBMIT, StageState.IN_REVIEW),
    (StageState.CHANGES_REQUESTED, Action.RESUBMIT, StageState.IN_REVIEW),
    (StageState.IN_REVIEW, Action.APPROVE, StageState.APPROVED),
    (StageState.IN_REVIEW, Action.APPROVE_WITH_CONDITIONS, StageState.APPROVED_WITH_CONDITIONS),
    (StageState.IN_REVIEW, Action.REQUEST_CHANGES, StageState.CHANGES_REQUESTED),
    (StageState.IN_REVIEW, Action.REJECT, StageState.REJECTED),
])
def test_allowed_transitions_move_the_state(start, action, end):
    stage = Stage(start)
    old = workflow.apply(stage, action)
    assert old == start
    assert stage.state == end


ALL_PAIRS = [(s, a) for s in StageState for a in Action if s not in workflow.TRANSITIONS[a].sources]


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS)
def test_every_other_transition_is_refused_and_leaves_the_state(state, action):
    stage = Stage(state)
    with pytest.raises(IllegalTransition):
        workflow.apply(stage, action)
    assert stage.state == state


def test_decided_stages_accept_nothing_but_a_reopening_of_a_pass():
    assert not any(workflow.can(StageState.REJECTED, a) for a in Action)
    for state in workflow.PASSED_STATES:
        assert [a for a in Action if workflow.can(state, a)] == [Action.REOPEN]


def test_overdue_conditions_block_submission_and_resubmission():
    facts = Facts(overdue_conditions=True)
    for state, action in ((StageState.DRAFT, Action.SUBMIT), (StageState.CHANGES_REQUESTED, Action.RESUBMIT)):
        assert "past their due date" in workflow.refusal(state, action, facts)


def test_submit_is_blocked_until_previous_stage_passed():
    facts = Facts(previous_stage_passed=False)
    assert "previous stage" in workflow.refusal(StageState.DRAFT, Action.SUBMIT, facts)
    with pytest.raises(IllegalTransition):
        workflow.apply(Stage(StageState.DRAFT), Action.SUBMIT, facts)
    assert not workflow.can(StageState.LOCKED, Action.OPEN, facts)


def test_prohibited_tier_blocks_submission_until_cleared():
    blocked = Facts(escalation_blocked=True)
    assert "chair" in workflow.refusal(StageState.DRAFT, Action.SUBMIT, blocked)
    assert workflow.can(StageState.DRAFT, Action.SUBMIT, Facts())


def test_unchanged_resubmission_is_refused():
    reason = workflow.refusal(StageState.CHANGES_REQUESTED, Action.RESUBMIT, Facts(changed_since_last_round=False))
    assert reason == "nothing changed since the last round"


@pytest.mark.parametrize(("outcomes", "quorum", "expected"), [
    ([], 2, None),
    ([Outcome.APPROVE], 2, None),
    ([Outcome.REJECT], 2, None),
    ([Outcome.APPROVE, Outcome.APPROVE], 2, Action.APPROVE),
    ([Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS], 2, Action.APPROVE_WITH_CONDITIONS),
    ([Outcome.APPROVE, Outcome.REQUEST_CHANGES], 2, Action.REQUEST_CHANGES),
    ([Outcome.REQUEST_CHANGES, Outcome.REJECT], 2, Action.REJECT),
    ([Outcome.APPROVE_WITH_CONDITIONS, Outcome.REJECT, Outcome.APPROVE], 3, Action.REJECT),
    ([Outcome.APPROVE], 1, Action.APPROVE),
])
def test_quorum_decision(outcomes, quorum, expected):
    assert workflow.decision(outcomes, quorum) == expected


def test_signature_meaning_names_outcome_role_and_stage():
    assert workflow.signature_meaning(Outcome.APPROVE, "Ethics reviewer", "Testing") == \
        "Approved as ethics reviewer, stage Testing"


@pytest.mark.parametrize("action", [Action.APPROVE, Action.APPROVE_WITH_CONDITIONS])
def test_an_approval_by_chairs_alone_waits_for_a_non_chair_when_the_rule_is_on(action):
    chairs_only = Facts(chair_cannot_approve_alone=True, signed_by_chairs_only=True)
    reason = workflow.refusal(StageState.IN_REVIEW, action, chairs_only)
    assert reason == ("the approval waits for a signature from a reviewer who is not a chair "
                      "(a chair cannot approve alone)")
    rule_off = Facts(chair_cannot_approve_alone=False, signed_by_chairs_only=True)
    a_non_chair_signed = Facts(chair_cannot_approve_alone=True, signed_by_chairs_only=False)
    assert workflow.can(StageState.IN_REVIEW, action, rule_off)
    assert workflow.can(StageState.IN_REVIEW, action, a_non_chair_signed)


def test_an_approval_waits_for_the_required_expertise_and_says_which():
    facts = Facts(chair_cannot_approve_alone=True, signed_by_chairs_only=True, missing_expertise=("legal", "privacy"))
    assert workflow.approval_waits(facts) == [
        "a signature from a reviewer who is not a chair (a chair cannot approve alone)",
        "a signer with the required expertise: legal, privacy"]
    with pytest.raises(IllegalTransition, match="required expertise: legal, privacy"):
        workflow.apply(Stage(StageState.IN_REVIEW), Action.APPROVE, facts)


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT])
def test_changes_and_rejections_never_wait_for_other_signers(action):
    facts = Facts(chair_cannot_approve_alone=True, signed_by_chairs_only=True, missing_expertise=("legal",))
    assert workflow.can(StageState.IN_REVIEW, action, facts)
