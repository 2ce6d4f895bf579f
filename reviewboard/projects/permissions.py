"""Who may see and change a project. Used by views, services and templates alike."""

from __future__ import annotations

from reviewboard.auth.models import Role


def is_member(user, project) -> bool:
    return user.is_authenticated and user.id in project.member_ids


def can_view_project(user, project) -> bool:
    if not (user.is_authenticated and user.active):
        return False
    return is_member(user, project) or bool(user.roles & {Role.REVIEWER, Role.CHAIR, Role.AUDITOR})


def can_create_project(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.SUBMITTER)


def can_edit_project(user, project) -> bool:
    """Members edit while the current stage is with them (draft or changes requested), or once every stage
    has passed: a material change to an approved project then reopens the affected stages (re-review)."""
    from reviewboard.reviews.workflow import StageState

    stage = project.current_stage
    return (is_member(user, project) and user.active and stage is not None
            and (stage.state in (StageState.DRAFT, StageState.CHANGES_REQUESTED) or stage.passed))


def can_manage_evidence(user, stage) -> bool:
    from reviewboard.reviews.workflow import StageState

    return (is_member(user, stage.project) and user.active
            and stage.state in (StageState.DRAFT, StageState.CHANGES_REQUESTED))


def can_submit_stage(user, stage) -> bool:
    return can_manage_evidence(user, stage)


def can_clear_escalation(user, project) -> bool:
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR)
            and not is_member(user, project) and project.blocked_by_escalation)
