"""Who may review, sign and assign. Nobody reviews a project they submitted or are a member of."""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.projects.permissions import is_member
from reviewboard.reviews.workflow import StageState


def is_independent(user, stage) -> bool:
    return not is_member(user, stage.project)


def can_review(user, stage) -> bool:
    """Record verdicts on a stage in review: an active, independent reviewer (assigned, if any are)."""
    if not (user.is_authenticated and user.active and user.has_role(Role.REVIEWER)):
        return False
    if stage.state != StageState.IN_REVIEW or not is_independent(user, stage):
        return False
    assigned = stage.assigned_reviewer_ids
    return not assigned or user.id in assigned


def has_signed(user, stage) -> bool:
    round_ = stage.current_round
    return round_ is not None and any(s.reviewer_id == user.id for s in round_.signoffs)


def can_sign(user, stage) -> bool:
    return can_review(user, stage) and not has_signed(user, stage)


def can_assign(user, stage) -> bool:
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR) and is_independent(user, stage)
            and stage.state in (StageState.DRAFT, StageState.IN_REVIEW, StageState.CHANGES_REQUESTED))


def can_see_queue(user) -> bool:
    return user.is_authenticated and user.active and bool(user.roles & {Role.REVIEWER, Role.CHAIR})
