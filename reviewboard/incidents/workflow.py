"""The one module that changes an incident's state.

reported -> under assessment -> (reported to the authority, with its reference and date) -> closed, with a
resolution. States, actions and the transition table are explicit; :func:`apply` is the only place that
assigns ``incident.state``. Guards read plain facts (:class:`Facts`), so the rules are unit-tested without a
database. An illegal transition raises :class:`IllegalTransition`, which views answer with 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class IncidentState(StrEnum):
    REPORTED = "reported"
    UNDER_ASSESSMENT = "under_assessment"
    REPORTED_TO_AUTHORITY = "reported_to_authority"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def open(self) -> bool:
        return self is not IncidentState.CLOSED


OPEN_STATES = frozenset(s for s in IncidentState if s.open)


class IncidentAction(StrEnum):
    ASSESS = "assess"  # a chair takes the incident up (and may reclassify it)
    REPORT_TO_AUTHORITY = "report_to_authority"  # the report to the authority is recorded
    CLOSE = "close"  # with a resolution


@dataclass(frozen=True)
class Facts:
    """What the guards need to know, gathered by the service layer."""

    authority_report_due: bool = False  # a serious incident whose report to the authority is not recorded


class IllegalTransition(Exception):
    def __init__(self, state: IncidentState, action: IncidentAction, reason: str):
        super().__init__(f"cannot {action.value.replace('_', ' ')} an incident that is {state.label.lower()}: "
                         f"{reason}")
        self.state, self.action, self.reason = state, action, reason


Guard = Callable[[Facts], str | None]  # a refusal reason, or None when allowed


def _always(_facts: Facts) -> str | None:
    return None


def _closable(facts: Facts) -> str | None:
    if facts.authority_report_due:
        return "a serious incident is reported to the authority before it is closed"
    return None


@dataclass(frozen=True)
class Transition:
    sources: frozenset[IncidentState]
    action: IncidentAction
    target: IncidentState
    guard: Guard


TRANSITIONS: dict[IncidentAction, Transition] = {
    t.action: t
    for t in (
        Transition(frozenset({IncidentState.REPORTED}), IncidentAction.ASSESS, IncidentState.UNDER_ASSESSMENT,
                   _always),
        # a 2-day deadline may not wait for the committee: the report can be recorded before the assessment
        Transition(frozenset({IncidentState.REPORTED, IncidentState.UNDER_ASSESSMENT}),
                   IncidentAction.REPORT_TO_AUTHORITY, IncidentState.REPORTED_TO_AUTHORITY, _always),
        Transition(frozenset({IncidentState.UNDER_ASSESSMENT, IncidentState.REPORTED_TO_AUTHORITY}),
                   IncidentAction.CLOSE, IncidentState.CLOSED, _closable),
    )
}


def refusal(state: IncidentState, action: IncidentAction, facts: Facts = Facts()) -> str | None:
    transition = TRANSITIONS[action]
    if state not in transition.sources:
        allowed = " or ".join(sorted(s.label.lower() for s in transition.sources))
        return f"only possible when the incident is {allowed}"
    return transition.guard(facts)


def can(state: IncidentState, action: IncidentAction, facts: Facts = Facts()) -> bool:
    return refusal(state, action, facts) is None


def apply(incident, action: IncidentAction, facts: Facts = Facts()) -> IncidentState:
    """Move ``incident.state`` along ``action`` or raise :class:`IllegalTransition`; returns the old state."""
    old = IncidentState(incident.state)
    reason = refusal(old, action, facts)
    if reason is not None:
        raise IllegalTransition(old, action, reason)
    incident.state = TRANSITIONS[action].target
    return old


def next_step(state: IncidentState, serious: bool, reported_to_authority: bool) -> tuple[str, str] | None:
    """Who acts next and what they do, as (who, what); None once closed."""
    if state is IncidentState.CLOSED:
        return None
    if serious and not reported_to_authority:
        return ("Project team or a chair", "record the report to the authority")
    if state is IncidentState.REPORTED:
        return ("A chair", "start the assessment")
    return ("A chair", "close the incident with a resolution")
