"""Who may read and write a stage's comments.

The committee (active reviewers, chairs and auditors who are not members of the project) reads every
comment; the project's members read only comments marked visible to the submitter. Reviewers and chairs
write either kind; members write only submitter-visible ones; auditors only read. A reviewer who has not
declared for the round, or declared a conflict, sees no comment at all (as they see nothing else of it).
"""

from __future__ import annotations

from reviewboard.auth.models import Role
from reviewboard.comments.models import Visibility
from reviewboard.projects.permissions import can_view_project, is_contributor, is_involved
from reviewboard.reviews.permissions import content_withheld
from reviewboard.reviews.workflow import StageState

COMMITTEE_ROLES = {Role.REVIEWER, Role.CHAIR, Role.AUDITOR}
WRITING_ROLES = {Role.REVIEWER, Role.CHAIR}


def is_committee(user, stage) -> bool:
    """Sees internal comments. A member of the project never does, whatever their roles."""
    return (user.is_authenticated and user.active and bool(user.roles & COMMITTEE_ROLES)
            and not is_involved(user, stage.project))


def can_see_comments(user, stage) -> bool:
    return can_view_project(user, stage.project)


def visible_kinds(user, stage) -> tuple[str, ...]:
    """The visibilities ``user`` may read on ``stage`` (empty when none)."""
    if content_withheld(user, stage):
        return ()
    if is_committee(user, stage):
        return (Visibility.COMMITTEE.value, Visibility.SUBMITTER.value)
    if can_see_comments(user, stage):
        return (Visibility.SUBMITTER.value,)
    return ()


def can_see_comment(user, comment, stage) -> bool:
    return comment.visibility in visible_kinds(user, stage)


def postable_kinds(user, stage) -> tuple[str, ...]:
    """The visibilities ``user`` may post on ``stage``, committee first (empty when they may not post)."""
    if not (user.is_authenticated and user.active) or stage.state == StageState.LOCKED:
        return ()
    if content_withheld(user, stage):
        return ()
    if is_committee(user, stage) and user.roles & WRITING_ROLES:
        return (Visibility.COMMITTEE.value, Visibility.SUBMITTER.value)
    if is_contributor(user, stage.project):  # a viewer only reads
        return (Visibility.SUBMITTER.value,)
    return ()


def can_post_comment(user, stage, visibility: str | None = None) -> bool:
    kinds = postable_kinds(user, stage)
    return bool(kinds) if visibility is None else visibility in kinds
