"""Who may review, sign and assign. Nobody reviews a project they submitted or are a member of.

A reviewer who declared a conflict of interest for the current round is recused: they cannot review or
sign it (see :mod:`reviewboard.committee.permissions`).
"""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.committee import permissions as committee
from reviewboard.projects.permissions import is_member
from reviewboard.reviews.workflow import StageState


def is_independent(user, stage) -> bool:
    return not is_member(user, stage.project)


def separate_from_submitter(user, stage) -> bool:
    """Whoever submitted the current round never reviews or signs it (the final approver included)."""
    round_ = stage.current_round
    return round_ is None or round_.submitted_by_id != user.id


def could_review(user, stage) -> bool:
    """Everything :func:`can_review` needs except the conflict declaration: an active, independent reviewer,
    not the round's submitter, assigned (if any are) or the active delegate of an assigned reviewer."""
    if not (user.is_authenticated and user.active and user.has_role(Role.REVIEWER)):
        return False
    if stage.state != StageState.IN_REVIEW or not is_independent(user, stage):
        return False
    if not separate_from_submitter(user, stage):
        return False
    assigned = stage.assigned_reviewer_ids
    if not assigned or user.id in assigned:
        return True
    return committee.acting_for(user, stage) is not None


def can_review(user, stage) -> bool:
    """Record verdicts on a stage in review: :func:`could_review` and not recused by a declared conflict.

    The pages also ask for the declaration itself before showing the submission
    (:func:`reviewboard.committee.permissions.content_withheld`), so nobody reviews over HTTP undeclared.
    """
    return could_review(user, stage) and not committee.is_recused(user, stage)


def has_signed(user, stage) -> bool:
    """Signed this round, in person or through a delegate."""
    round_ = stage.current_round
    return round_ is not None and any(user.id in (s.reviewer_id, s.on_behalf_of_id) for s in round_.signoffs)


def can_sign(user, stage) -> bool:
    return can_review(user, stage) and not has_signed(user, stage)


def can_assign(user, stage) -> bool:
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR) and is_independent(user, stage)
            and stage.state in (StageState.DRAFT, StageState.IN_REVIEW, StageState.CHANGES_REQUESTED)
            and not committee.is_recused(user, stage))


def can_see_queue(user) -> bool:
    return user.is_authenticated and user.active and bool(user.roles & {Role.REVIEWER, Role.CHAIR})
