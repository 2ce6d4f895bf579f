"""The incident state machine without a database: the transition table, its guard, who acts next."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reviewboard.incidents.workflow import (
    Facts,
    IllegalTransition,
    IncidentAction,
    IncidentState,
    apply,
    can,
    next_step,
    refusal,
)

S, A = IncidentState, IncidentAction


@pytest.mark.parametrize(("state", "action", "target"), [
    (S.REPORTED, A.ASSESS, S.UNDER_ASSESSMENT),
    (S.REPORTED, A.REPORT_TO_AUTHORITY, S.REPORTED_TO_AUTHORITY),
    (S.UNDER_ASSESSMENT, A.REPORT_TO_AUTHORITY, S.REPORTED_TO_AUTHORITY),
    (S.UNDER_ASSESSMENT, A.CLOSE, S.CLOSED),
    (S.REPORTED_TO_AUTHORITY, A.CLOSE, S.CLOSED),
])
def test_allowed_transitions(state, action, target):
    incident = SimpleNamespace(state=state)
    assert apply(incident, action) == state
    assert incident.state == target


@pytest.mark.parametrize(("state", "action"), [
    (S.REPORTED, A.CLOSE),  # nobody closes an incident nobody assessed
    (S.UNDER_ASSESSMENT, A.ASSESS),
    (S.REPORTED_TO_AUTHORITY, A.REPORT_TO_AUTHORITY),
    (S.CLOSED, A.ASSESS), (S.CLOSED, A.REPORT_TO_AUTHORITY), (S.CLOSED, A.CLOSE),
])
def test_illegal_transitions_raise_and_leave_the_state(state, action):
    incident = SimpleNamespace(state=state)
    with pytest.raises(IllegalTransition, match="only possible when the incident is"):
        apply(incident, action)
    assert incident.state == state


def test_a_serious_incident_is_not_closed_before_its_report_to_the_authority():
    due = Facts(authority_report_due=True)
    assert refusal(S.UNDER_ASSESSMENT, A.CLOSE, due) == ("a serious incident is reported to the authority before "
                                                         "it is closed")
    assert not can(S.UNDER_ASSESSMENT, A.CLOSE, due)
    assert can(S.UNDER_ASSESSMENT, A.CLOSE, Facts())


def test_who_acts_next():
    assert next_step(S.REPORTED, serious=True, reported_to_authority=False) == (
        "Project team or a chair", "record the report to the authority")
    assert next_step(S.REPORTED, serious=False, reported_to_authority=False) == ("A chair", "start the assessment")
    assert next_step(S.REPORTED_TO_AUTHORITY, serious=True, reported_to_authority=True) == (
        "A chair", "close the incident with a resolution")
    assert next_step(S.CLOSED, serious=True, reported_to_authority=True) is None
