"""Who may answer, close and reopen an approval's conditions. Used by views, services and templates alike.

Project members answer a condition (the owner first of all); an independent reviewer of that stage, or an
independent chair, accepts the answer (closes it) or sends it back (reopens it).
"""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import can_view_project, is_contributor, is_involved


def can_view_conditions(user, project) -> bool:
    return can_view_project(user, project)


def can_view_condition(user, condition) -> bool:
    return can_view_conditions(user, condition.stage_review.project)


def reviewed_stage(user, stage) -> bool:
    """Assigned to the stage, or signed one of its rounds."""
    if user.id in stage.assigned_reviewer_ids:
        return True
    return any(s.reviewer_id == user.id for r in stage.rounds for s in r.signoffs)


def can_respond(user, condition) -> bool:
    project = condition.stage_review.project
    return user.is_authenticated and user.active and is_contributor(user, project) and condition.status != "closed"


def can_decide(user, condition) -> bool:
    """Close or reopen: an active chair, or a reviewer of this stage, who is not a member of the project."""
    if not (user.is_authenticated and user.active) or is_involved(user, condition.stage_review.project):
        return False
    if user.has_role(Role.CHAIR):
        return True
    return user.has_role(Role.REVIEWER) and reviewed_stage(user, condition.stage_review)


def can_close(user, condition) -> bool:
    return condition.status != "closed" and can_decide(user, condition)


def can_reopen(user, condition) -> bool:
    return condition.status != "open" and can_decide(user, condition)
