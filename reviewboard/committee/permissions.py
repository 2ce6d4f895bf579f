"""Conflict-of-interest and delegation predicates, used by views, services and templates alike.

A reviewer who could act on a stage in review must first declare, for the current round, that they have
no conflict (or which one) before they see the submission; a conflict recuses them for that round.
A delegate acts on an away reviewer's assignment while the delegation is active.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from reviewboard.extensions import db
from reviewboard.models.base import utcnow


def declaration(user, stage):
    """This user's declaration for the stage's current round, or None.

    Within a request the answer is looked up once (the stage page asks a dozen predicates that all start
    here); :func:`forget_declarations` drops it when a declaration is written.
    """
    from reviewboard.committee.models import ConflictDeclaration

    if not user.is_authenticated or not stage.round_number:
        return None
    cache = g.setdefault("declarations", {}) if has_request_context() else {}
    key = (user.id, stage.id, stage.round_number)
    if key not in cache:
        cache[key] = db.session.scalar(select(ConflictDeclaration).where(
            ConflictDeclaration.stage_review_id == stage.id, ConflictDeclaration.reviewer_id == user.id,
            ConflictDeclaration.round_number == stage.round_number))
    return cache[key]


def forget_declarations(*_args) -> None:
    if has_request_context():
        g.pop("declarations", None)


# a rolled-back declaration must not outlive its transaction in the request's memory
event.listen(Session, "after_soft_rollback", forget_declarations)


def recused_ids(stage) -> set[int]:
    """Reviewers who declared a conflict for the stage's current round."""
    from reviewboard.committee.models import ConflictDeclaration

    if not stage.round_number:
        return set()
    return set(db.session.scalars(select(ConflictDeclaration.reviewer_id).where(
        ConflictDeclaration.stage_review_id == stage.id, ConflictDeclaration.round_number == stage.round_number,
        ConflictDeclaration.has_conflict.is_(True))))


def recused_by_stage(stage_ids) -> dict[int, set[int]]:
    """``recused_ids`` for many stages in one query: stage id -> reviewers recused from its current round."""
    from collections import defaultdict

    from reviewboard.committee.models import ConflictDeclaration
    from reviewboard.reviews.models import StageReview

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
    from reviewboard.reviews.permissions import could_review

    return could_review(user, stage) and declaration(user, stage) is None


def content_withheld(user, stage) -> bool:
    """Undeclared and recused reviewers see neither the stage's details nor its evidence."""
    from reviewboard.reviews.permissions import could_review

    if not could_review(user, stage):
        return False
    found = declaration(user, stage)
    return found is None or found.has_conflict


def active_delegations_to(user, day=None):
    from reviewboard.committee.models import Delegation

    day = day or utcnow().date()
    return db.session.scalars(select(Delegation).where(
        Delegation.delegate_id == user.id, Delegation.revoked_at.is_(None), Delegation.starts_on <= day,
        Delegation.ends_on >= day).order_by(Delegation.id)).all()


def is_away(user, day=None) -> bool:
    """The user delegated their reviews for a period that includes ``day`` (today by default)."""
    from reviewboard.committee.models import Delegation

    day = day or utcnow().date()
    return db.session.scalar(select(Delegation.id).where(
        Delegation.delegator_id == user.id, Delegation.revoked_at.is_(None), Delegation.starts_on <= day,
        Delegation.ends_on >= day).limit(1)) is not None


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
    from reviewboard.reviews.permissions import is_independent, separate_from_submitter

    recused = recused_ids(stage)
    for delegation in active_delegations_to(user):
        delegator = delegation.delegator
        if (delegator.id in assigned and delegator.id not in signed_for and delegator.id not in recused
                and is_independent(delegator, stage) and separate_from_submitter(delegator, stage)):
            return delegator
    return None


def can_declare(user, stage) -> bool:
    return must_declare(user, stage)


def can_declare_late_conflict(user, stage) -> bool:
    """A reviewer who declared no conflict this round and has not signed it may still declare one."""
    from reviewboard.reviews.permissions import has_signed
    from reviewboard.reviews.workflow import StageState

    found = declaration(user, stage)
    return (user.is_authenticated and user.active and found is not None and not found.has_conflict
            and stage.state == StageState.IN_REVIEW and not has_signed(user, stage))


def can_manage_delegations(user) -> bool:
    from reviewboard.auth.models import Role

    return user.is_authenticated and user.active and user.has_role(Role.REVIEWER)


def can_propose(user, stage) -> bool:
    from reviewboard.reviews.permissions import can_assign

    return can_assign(user, stage)
