"""The one module that changes a stage review's state.

States, actions and the transition table are explicit; :func:`apply` is the only place that assigns
``stage.state``. Guards read plain facts (:class:`Facts`), so the rules are unit-tested without a
database. An illegal transition raises :class:`IllegalTransition`, which views answer with 409.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum


class StageState(StrEnum):
    LOCKED = "locked"                  # an earlier stage has not passed yet
    DRAFT = "draft"                    # open: the submitter prepares evidence
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def decided(self) -> bool:
        return self in DECIDED_STATES


DECIDED_STATES = frozenset({StageState.APPROVED, StageState.APPROVED_WITH_CONDITIONS, StageState.REJECTED})
PASSED_STATES = frozenset({StageState.APPROVED, StageState.APPROVED_WITH_CONDITIONS})


class Action(StrEnum):
    OPEN = "open"
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    REOPEN = "reopen"  # re-review: a material change, a recurring review, or expired evidence


class Outcome(StrEnum):
    """What one reviewer signs; the stage's decision is derived from the signed outcomes."""

    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    @property
    def label(self) -> str:
        return {"approve": "Approve", "approve_with_conditions": "Approve with conditions",
                "request_changes": "Request changes", "reject": "Reject"}[self.value]

    @property
    def verb(self) -> str:
        return {"approve": "Approved", "approve_with_conditions": "Approved with conditions",
                "request_changes": "Changes requested", "reject": "Rejected"}[self.value]


class VerdictValue(StrEnum):
    MEETS = "meets"
    PARTIALLY_MEETS = "partially_meets"
    DOES_NOT_MEET = "does_not_meet"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def needs_rationale(self) -> bool:
        return self is not VerdictValue.MEETS


@dataclass(frozen=True)
class Facts:
    """What the guards need to know, gathered by the service layer."""

    previous_stage_passed: bool = True
    escalation_blocked: bool = False
    changed_since_last_round: bool = True
    overdue_conditions: bool = False  # open conditions past due on an earlier stage of the project
    # an approval's signers (the round's sign-offs once the quorum is reached)
    chair_cannot_approve_alone: bool = False  # the setting CHAIR_CANNOT_APPROVE_ALONE
    signed_by_chairs_only: bool = False
    missing_expertise: tuple[str, ...] = ()  # required expertise none of the signers brings
    # registration duties due by this stage without a filing (reviewboard/registration): block submission
    # and approval alike
    missing_filings: tuple[str, ...] = ()


def N_(message: str) -> str:  # noqa: N802 - Babel's name for a message marked for extraction, not translated here
    return message


class Refusal(str):
    """A guard's reason in English (what the exception, the API and the logs say), keeping its message and values
    so that a page says it in the reader's language (reviews/labels.py: refusal_words)."""

    message: str
    values: dict

    def __new__(cls, message: str, **values) -> Refusal:
        refusal = super().__new__(cls, message % values if values else message)
        refusal.message, refusal.values = message, values
        return refusal


class IllegalTransition(Exception):
    def __init__(self, state: StageState, action: Action, reason: str):
        super().__init__(f"cannot {action.value} a stage that is {state.label.lower()}: {reason}")
        self.state, self.action, self.reason = state, action, reason


Guard = Callable[[Facts], str | None]  # returns a refusal reason, or None when allowed


def _previous_passed(facts: Facts) -> str | None:
    return None if facts.previous_stage_passed else Refusal(N_("the previous stage has not been approved"))


def _filings_missing(facts: Facts) -> str | None:
    if facts.missing_filings:
        return Refusal(N_("required registration filings are missing: %(filings)s (record each filing on the project "
                          "page)"), filings="; ".join(facts.missing_filings))
    return None


def _submittable(facts: Facts) -> str | None:
    if facts.escalation_blocked:
        return Refusal(N_("the risk tier is 'prohibited or escalate': a chair must review the project first"))
    if facts.overdue_conditions:
        return Refusal(N_("conditions from an earlier stage are past their due date and still open"))
    return _filings_missing(facts) or _previous_passed(facts)


def _resubmittable(facts: Facts) -> str | None:
    if not facts.changed_since_last_round:
        return Refusal(N_("nothing changed since the last round"))
    return _submittable(facts)


def approval_waits(facts: Facts) -> list[str]:
    """What an approval still waits for: a signer who is not a chair (separation of duties, when set) and
    signers with the required expertise. Empty when the approval can be decided."""
    waits = []
    if facts.chair_cannot_approve_alone and facts.signed_by_chairs_only:
        waits.append("a signature from a reviewer who is not a chair (a chair cannot approve alone)")
    if facts.missing_expertise:
        waits.append("a signer with the required expertise: " + ", ".join(facts.missing_expertise))
    return waits


def _approvable(facts: Facts) -> str | None:
    if facts.missing_filings:
        return _filings_missing(facts)
    waits = approval_waits(facts)
    return "the approval waits for " + "; and ".join(waits) if waits else None


def _always(_facts: Facts) -> str | None:
    return None


@dataclass(frozen=True)
class Transition:
    sources: frozenset[StageState]
    action: Action
    target: StageState
    guard: Guard


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(frozenset({StageState.LOCKED}), Action.OPEN, StageState.DRAFT, _previous_passed),
        Transition(frozenset({StageState.DRAFT}), Action.SUBMIT, StageState.IN_REVIEW, _submittable),
        Transition(frozenset({StageState.CHANGES_REQUESTED}), Action.RESUBMIT, StageState.IN_REVIEW,
                   _resubmittable),
        Transition(frozenset({StageState.IN_REVIEW}), Action.APPROVE, StageState.APPROVED, _approvable),
        Transition(frozenset({StageState.IN_REVIEW}), Action.APPROVE_WITH_CONDITIONS,
                   StageState.APPROVED_WITH_CONDITIONS, _approvable),
        Transition(frozenset({StageState.IN_REVIEW}), Action.REQUEST_CHANGES, StageState.CHANGES_REQUESTED,
                   _always),
        Transition(frozenset({StageState.IN_REVIEW}), Action.REJECT, StageState.REJECTED, _always),
        Transition(PASSED_STATES, Action.REOPEN, StageState.DRAFT, _always),
    )
}

OUTCOME_ACTIONS = {
    Outcome.APPROVE: Action.APPROVE,
    Outcome.APPROVE_WITH_CONDITIONS: Action.APPROVE_WITH_CONDITIONS,
    Outcome.REQUEST_CHANGES: Action.REQUEST_CHANGES,
    Outcome.REJECT: Action.REJECT,
}


def refusal(state: StageState, action: Action, facts: Facts = Facts()) -> str | None:
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        allowed = ", ".join(sorted(s.label.lower() for s in transition.sources))
        return f"only possible when the stage is {allowed}"
    return transition.guard(facts)


def can(state: StageState, action: Action, facts: Facts = Facts()) -> bool:
    return refusal(state, action, facts) is None


def apply(stage, action: Action, facts: Facts = Facts()) -> StageState:
    """Move ``stage.state`` along ``action`` or raise :class:`IllegalTransition`; returns the old state."""
    old = StageState(stage.state)
    reason = refusal(old, action, facts)
    if reason is not None:
        raise IllegalTransition(old, action, reason)
    stage.state = TRANSITIONS[action].target
    return old


def decision(outcomes: Iterable[Outcome], quorum: int) -> Action | None:
    """The stage decision once ``quorum`` reviewers have signed, else None.

    Any reject rejects; otherwise any request for changes returns the stage; otherwise any
    condition makes it an approval with conditions.
    """
    signed = [Outcome(o) for o in outcomes]
    if len(signed) < quorum:
        return None
    for outcome in (Outcome.REJECT, Outcome.REQUEST_CHANGES, Outcome.APPROVE_WITH_CONDITIONS):
        if outcome in signed:
            return OUTCOME_ACTIONS[outcome]
    return Action.APPROVE


def signature_meaning(outcome: Outcome, role_title: str, stage_name: str) -> str:
    """The meaning printed with every signature, e.g. "Approved as ethics reviewer, stage Testing", or
    "Approved as delegate of Ava Away, stage Testing" (a name inside the role keeps its capitals)."""
    return f"{outcome.verb} as {role_title[:1].lower()}{role_title[1:]}, stage {stage_name}"
