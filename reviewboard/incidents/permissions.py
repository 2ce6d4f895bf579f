"""Who may report, read and act on incidents. Used by views, services and templates alike.

Anyone on the project (its submitter and members) and the chairs report an incident and add evidence to an
open one; whoever may see the project reads its incidents. A chair independent of the project assesses and
closes; the project team or a chair records the report to the authority (the provider reports). The register
of all incidents is for chairs and auditors.
"""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import can_view_project, is_contributor, is_involved


def _active(user) -> bool:
    return user.is_authenticated and user.active


def can_view_register(user) -> bool:
    return _active(user) and bool(user.roles & {Role.CHAIR, Role.AUDITOR})


def can_view_incidents(user, project) -> bool:
    return can_view_project(user, project)


def can_view_incident(user, incident) -> bool:
    return can_view_incidents(user, incident.project)


def can_report_incident(user, project) -> bool:
    return _active(user) and (is_contributor(user, project) or user.has_role(Role.CHAIR))


def can_add_evidence(user, incident) -> bool:
    return incident.open and can_report_incident(user, incident.project)


def is_independent_chair(user, incident) -> bool:
    return _active(user) and user.has_role(Role.CHAIR) and not is_involved(user, incident.project)


def can_assess(user, incident) -> bool:
    return is_independent_chair(user, incident)


def can_record_authority_report(user, incident) -> bool:
    return can_report_incident(user, incident.project)


def can_close(user, incident) -> bool:
    return is_independent_chair(user, incident)
