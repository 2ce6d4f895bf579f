"""Who may review, sign, assign, recuse and delegate: one module for the rights on a stage in review,
used by views, services and templates alike.

Nobody reviews a project they submitted or are a member of. A reviewer who could act on a stage in review
must first declare, for the current round, that they have no conflict (or which one) before they see the
submission; a conflict recuses them for that round: they cannot review or sign it. A delegate acts on an
away reviewer's assignment while the delegation is active.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, event, select
from sqlalchemy.orm import Session

from reviewboard.auth.models import Role
from reviewboard.committee.models import ConflictDeclaration, Delegation
from reviewboard.core.memo import forget, request_memo
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.projects.permissions import is_involved
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.workflow import StageState

# -- reviewing, signing and assigning ----------------------------------------------------------------

def is_independent(user, stage) -> bool:
    return not is_involved(user, stage.project)


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
    return acting_for(user, stage) is not None


def can_review(user, stage) -> bool:
    """Record verdicts on a stage in review: :func:`could_review` and not recused by a declared conflict.

    The pages also ask for the declaration itself before showing the submission (:func:`content_withheld`),
    so nobody reviews over HTTP undeclared.
    """
    return could_review(user, stage) and not is_recused(user, stage)


def has_signed(user, stage) -> bool:
    """Signed this round, in person or through a delegate."""
    round_ = stage.current_round
    return round_ is not None and any(user.id in (s.reviewer_id, s.on_behalf_of_id) for s in round_.signoffs)


def can_sign(user, stage) -> bool:
    return can_review(user, stage) and not has_signed(user, stage)


def can_assign(user, stage) -> bool:
    return (user.is_authenticated and user.active and user.has_role(Role.CHAIR) and is_independent(user, stage)
            and stage.state in (StageState.DRAFT, StageState.IN_REVIEW, StageState.CHANGES_REQUESTED)
            and not is_recused(user, stage))


def can_propose(user, stage) -> bool:
    return can_assign(user, stage)


def can_see_queue(user) -> bool:
    return user.is_authenticated and user.active and bool(user.roles & {Role.REVIEWER, Role.CHAIR})

# -- conflicts of interest ------------------------------------------------------------------------------

def declaration(user, stage):
    """This user's declaration for the stage's current round, or None: from the round's declarations, read once a
    request (the stage page asks a dozen predicates that all start here, and shows the declarations too)."""
    if not user.is_authenticated or not stage.round_number:
        return None
    return next((d for d in round_declarations(stage) if d.reviewer_id == user.id), None)


def round_declarations(stage) -> list:
    """Every declaration for the stage's current round (oldest first). Within a request they are read once:
    :func:`declaration`, :func:`recused_ids` and the stage page's list all answer from one statement;
    :func:`forget_declarations` drops them when a declaration is written."""
    if not stage.round_number:
        return []
    cache = request_memo("declarations")
    key = (stage.id, stage.round_number)
    if key not in cache:
        cache[key] = tuple(db.session.scalars(select(ConflictDeclaration).where(
            ConflictDeclaration.stage_review_id == stage.id, ConflictDeclaration.round_number == stage.round_number)
            .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id)))
    return list(cache[key])


def forget_declarations(*_args) -> None:
    """Drop the request's remembered declarations, recusals and delegations (written, or rolled back)."""
    forget("declarations", "delegations")


# a rolled-back declaration must not outlive its transaction in the request's memory
event.listen(Session, "after_soft_rollback", forget_declarations)


def recused_ids(stage) -> set[int]:
    """Reviewers who declared a conflict for the stage's current round (asked once per criterion and per sign-off
    on the stage page, through acting_for: answered from :func:`round_declarations`)."""
    return {d.reviewer_id for d in round_declarations(stage) if d.has_conflict}


def recused_by_stage(stage_ids) -> dict[int, set[int]]:
    """``recused_ids`` for many stages in one query: stage id -> reviewers recused from its current round."""
    found: dict[int, set[int]] = defaultdict(set)
    ids = list(stage_ids)
    if ids:
        rows = db.session.execute(
            select(ConflictDeclaration.stage_review_id, ConflictDeclaration.reviewer_id)
            .join(StageReview, StageReview.id == ConflictDeclaration.stage_review_id)
            .where(ConflictDeclaration.has_conflict.is_(True),
                   ConflictDeclaration.round_number == StageReview.round_number,
                   ConflictDeclaration.stage_review_id.in_(ids)))
        for stage_id, reviewer_id in rows:
            found[stage_id].add(reviewer_id)
    return found


def is_recused(user, stage) -> bool:
    found = declaration(user, stage)
    return found is not None and found.has_conflict


def must_declare(user, stage) -> bool:
    """True while a reviewer who could act on this round has not declared: they see only the declaration form."""
    return could_review(user, stage) and declaration(user, stage) is None


def content_withheld(user, stage) -> bool:
    """Undeclared and recused reviewers see neither the stage's details nor its evidence."""
    if not could_review(user, stage):
        return False
    found = declaration(user, stage)
    return found is None or found.has_conflict


def can_declare(user, stage) -> bool:
    return must_declare(user, stage)


def can_declare_late_conflict(user, stage) -> bool:
    """A reviewer who declared no conflict this round and has not signed it may still declare one."""
    found = declaration(user, stage)
    return (user.is_authenticated and user.active and found is not None and not found.has_conflict
            and stage.state == StageState.IN_REVIEW and not has_signed(user, stage))


# -- delegation -----------------------------------------------------------------------------------------

def _active_on(day):
    """A delegation in force on ``day``."""
    return and_(Delegation.revoked_at.is_(None), Delegation.starts_on <= day, Delegation.ends_on >= day)


def active_delegations_to(user, day=None):
    """Delegations ``user`` holds on ``day``; read once a request (given or revoked: forget_declarations)."""
    day = day or utcnow().date()
    cache = request_memo("delegations")
    key = (user.id, day)
    if key not in cache:
        cache[key] = tuple(db.session.scalars(select(Delegation).where(
            Delegation.delegate_id == user.id, _active_on(day)).order_by(Delegation.id)))
    return list(cache[key])


def is_away(user, day=None) -> bool:
    """The user delegated their reviews for a period that includes ``day`` (today by default)."""
    day = day or utcnow().date()
    return db.session.scalar(select(Delegation.id).where(
        Delegation.delegator_id == user.id, _active_on(day)).limit(1)) is not None


def acting_for(user, stage):
    """The away reviewer whose assignment ``user`` acts on as their delegate, or None.

    None also when the user acts in their own right (assigned, or the stage has no assignments). A delegate
    takes the first assignment of a delegator who has neither signed nor been recused this round.
    """
    if not user.is_authenticated:
        return None
    assigned = stage.assigned_reviewer_ids
    if not assigned or user.id in assigned:
        return None
    round_ = stage.current_round
    signed_for = set()
    if round_ is not None:
        signed_for = {s.reviewer_id for s in round_.signoffs} | {s.on_behalf_of_id for s in round_.signoffs}
    recused = recused_ids(stage)
    for delegation in active_delegations_to(user):
        delegator = delegation.delegator
        if (delegator.id in assigned and delegator.id not in signed_for and delegator.id not in recused
                and is_independent(delegator, stage) and separate_from_submitter(delegator, stage)):
            return delegator
    return None


def gave_delegation(user, delegation) -> bool:
    """Only the reviewer who gave a delegation sees it to revoke it."""
    return user.is_authenticated and delegation.delegator_id == user.id


def can_manage_delegations(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.REVIEWER)


# -- reading a stage's review ---------------------------------------------------------------------------

def can_read_review(user, stage) -> bool:
    """Read the stage's rounds, verdicts, sign-offs and decisions, as the stage page shows them: whoever sees
    the stage, unless its content is withheld from them (a reviewer of the round, undeclared or recused)."""
    from reviewboard.projects.permissions import can_view_stage

    return can_view_stage(user, stage) and not content_withheld(user, stage)


def sees_only_own_verdicts(user, stage) -> bool:
    """A reviewer who may still sign the current round sees only their own verdicts on it (the stage page
    shows them their verdict form instead of the others'), so each verdict is formed independently."""
    return can_sign(user, stage)
