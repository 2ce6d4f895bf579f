"""Conflict declarations, delegations, reviewer proposals and the approval rules on who signed.

Services take the acting user, check the rules, flush and audit; the request or CLI boundary commits.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from reviewboard.audit.services import record_event
from reviewboard.auth.models import Role, User, UserRole
from reviewboard.auth.permissions import can_admin_users
from reviewboard.auth.services import users_with_role
from reviewboard.committee.forms import expertise_choices
from reviewboard.committee.models import ConflictDeclaration, Delegation
from reviewboard.committee.signing_roles import delegate_title, role_title
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.pipelines.models import rule_applies
from reviewboard.projects.models import Project
from reviewboard.reviews import permissions as perms
from reviewboard.reviews import workflow
from reviewboard.reviews.models import ReviewAssignment, StageReview, lock_stage
from reviewboard.reviews.workflow import Facts, StageState

log = logging.getLogger("reviewboard.committee")


def chair_cannot_approve_alone() -> bool:
    return current_app.config["CHAIR_CANNOT_APPROVE_ALONE"]


# --- what a stage needs ---------------------------------------------------------------------------------

def reviewers_wanted(stage) -> int:
    """M, the number of reviewers to assign: the pipeline stage's setting, never fewer than the quorum."""
    return max(stage.pipeline_stage.reviewers or 0, stage.quorum)


def _rule_applies(rule: dict, project) -> bool:
    try:
        return rule_applies(rule, project)  # the pipelines' own reading of a rule
    except KeyError:  # an unknown condition: the rule cannot be met, so it does not block
        return False


def required_expertise(stage) -> list[str]:
    """The expertise the signers of an approval must cover: the pipeline stage's required roles that apply
    to this project (its tier, its data)."""
    needed: list[str] = []
    for rule in stage.pipeline_stage.required_roles or []:
        if isinstance(rule, dict) and rule.get("expertise") and _rule_applies(rule, stage.project) \
                and rule["expertise"] not in needed:
            needed.append(rule["expertise"])
    return needed


def missing_expertise(stage, people) -> list[str]:
    covered = {e for person in people for e in (person.expertise or [])}
    return [e for e in required_expertise(stage) if e not in covered]


def signing_role(signer: User, stage, behalf: User | None = None) -> str:
    """The role ``signer`` acts in when signing ``stage``, as their signature states it.

    "Delegate of <name>" for a delegate signing for an away reviewer; otherwise "Committee chair" for a
    chair, and the stage's required expertise the signer brings ("Legal reviewer", or "External reviewer"
    for a reviewer from outside the committee), together for a chair who brings one ("Committee chair and
    legal reviewer"); "Ethics reviewer" when none of these applies.
    """
    if behalf is not None:
        return delegate_title(behalf.name)
    own = signer.expertise or []
    brings = [e for e in required_expertise(stage) if e in own] or [e for e in ("external",) if e in own]
    return role_title(signer.has_role(Role.CHAIR), brings)


def approval_facts(stage, round_=None) -> Facts:
    """What the approval guard of :mod:`reviewboard.reviews.workflow` reads about the round's signers."""
    round_ = round_ or stage.current_round
    signers = [s.reviewer for s in round_.signoffs] if round_ is not None else []
    return Facts(chair_cannot_approve_alone=chair_cannot_approve_alone(),
                 signed_by_chairs_only=bool(signers) and all(p.has_role(Role.CHAIR) for p in signers),
                 missing_expertise=tuple(missing_expertise(stage, signers)) if round_ is not None else ())


def approval_waits_for(stage, round_=None) -> list[str]:
    """What an approval still waits for with the current round's signers (empty when it can be decided),
    as the workflow's approval guard sees it; shown on the stage page."""
    return workflow.approval_waits(approval_facts(stage, round_))


# --- conflicts of interest -------------------------------------------------------------------------------

def declare(reviewer: User, stage, has_conflict: bool, nature: str = "") -> ConflictDeclaration:
    """Record the reviewer's declaration for the current round. A conflict recuses them for the round.

    Raises Conflict (already declared), NotPermitted (not a reviewer of this round) or ServiceError
    (a conflict without its nature).
    """
    if perms.declaration(reviewer, stage) is not None:
        raise Conflict(_("You have already declared for this round."))
    if not perms.must_declare(reviewer, stage):
        raise NotPermitted(_("You are not a reviewer of this stage's current round."))
    nature = (nature or "").strip()
    if has_conflict and not nature:
        raise ServiceError(_("Say what the conflict is (for example a relationship with the team, or a "
                           "financial interest)."), "nature")
    behalf = perms.acting_for(reviewer, stage)
    found = ConflictDeclaration(stage_review_id=stage.id, reviewer_id=reviewer.id, round_number=stage.round_number,
                                has_conflict=has_conflict, nature=nature if has_conflict else "")
    db.session.add(found)
    db.session.flush()
    perms.forget_declarations()
    after = {"stage_review_id": stage.id, "round": stage.round_number, "reviewer": reviewer.name,
             "has_conflict": has_conflict, "nature": found.nature}
    if has_conflict:
        after["needs_replacement"] = needs_replacement(stage)
        after["notified"] = [u.email for u in _chairs()]
    record_event(reviewer, "conflict.declared" if has_conflict else "conflict.none_declared", "stage_review",
                 stage.id, after=after, on_behalf_of=behalf)
    log.info("stage %s round %s: reviewer %s declared %s", stage.id, stage.round_number, reviewer.id,
             "a conflict (recused)" if has_conflict else "no conflict")
    return found


def declare_late_conflict(reviewer: User, stage, nature: str) -> ConflictDeclaration:
    """A reviewer who declared no conflict finds one before signing: the declaration becomes a conflict (the
    audit trail keeps both), they are recused from the round, and their unsigned verdicts of the round are
    withdrawn so that nothing of theirs reaches the record. The chairs are told, as for any conflict.

    Raises Conflict (already recused, already signed, round no longer in review), NotPermitted (no
    declaration of theirs this round) or ServiceError (no nature given).
    """

    stage = lock_stage(stage)  # against a sign-off of theirs from another tab at the same moment
    found = perms.declaration(reviewer, stage)
    if found is None:
        raise NotPermitted(_("You have not declared for this round."))
    if found.has_conflict:
        raise Conflict(_("You are already recused from this round."))
    if perms.has_signed(reviewer, stage):
        raise Conflict(_("You signed this round already. Tell a chair about the conflict: they can reopen the stage."))
    if stage.state != StageState.IN_REVIEW:
        raise Conflict(_("This round is no longer in review."))
    nature = (nature or "").strip()
    if not nature:
        raise ServiceError(_("Say what the conflict is (for example a relationship with the team, or a "
                           "financial interest)."), "nature")
    round_ = stage.current_round  # its verdicts as the lock read them
    drafts = [v for v in round_.verdicts if v.reviewer_id == reviewer.id]
    withdrawn = sorted(v.criterion.code for v in drafts)
    for verdict in drafts:
        round_.verdicts.remove(verdict)  # gone from the round in this transaction too, not only in the database
        db.session.delete(verdict)
    found.has_conflict, found.nature, found.conflict_declared_at = True, nature, utcnow()
    perms.forget_declarations()
    db.session.flush()
    perms.forget_declarations()
    record_event(reviewer, "conflict.declared_late", "stage_review", stage.id,
                 before={"has_conflict": False, "declared_at": iso(found.declared_at)},
                 after={"stage_review_id": stage.id, "round": stage.round_number, "reviewer": reviewer.name,
                        "has_conflict": True, "nature": nature, "withdrawn_verdicts": withdrawn,
                        "needs_replacement": needs_replacement(stage), "notified": [u.email for u in _chairs()]},
                 reason=nature, on_behalf_of=perms.acting_for(reviewer, stage))
    log.info("stage %s round %s: reviewer %s declared a conflict after declaring none (recused, %d verdicts "
             "withdrawn)", stage.id, stage.round_number, reviewer.id, len(withdrawn))
    return found


def declarations(stage, round_number: int | None = None) -> list[ConflictDeclaration]:
    """The stage's declarations (of one round, or all), oldest round and declaration first."""
    if round_number is not None and round_number == stage.round_number:
        return perms.round_declarations(stage)  # read once a request, with the predicates asking about them
    stmt = select(ConflictDeclaration).where(ConflictDeclaration.stage_review_id == stage.id)
    if round_number is not None:
        stmt = stmt.where(ConflictDeclaration.round_number == round_number)
    return list(db.session.scalars(stmt.order_by(ConflictDeclaration.round_number, ConflictDeclaration.declared_at,
                                                 ConflictDeclaration.id)))


def counted_reviewer_ids(stage) -> set[int]:
    """Assigned reviewers who still count towards M: those not recused this round."""
    return stage.assigned_reviewer_ids - perms.recused_ids(stage)


def needs_replacement(stage, recused: set[int] | None = None) -> bool:
    """A recusal left the stage in review with fewer counted reviewers than it needs (``recused``: the
    reviewers recused from its current round, when the caller has them already)."""
    if stage.state != StageState.IN_REVIEW or not stage.assignments:
        return False
    recused = perms.recused_ids(stage) if recused is None else recused
    assigned = stage.assigned_reviewer_ids
    return bool(recused & assigned) and len(assigned - recused) < reviewers_wanted(stage)


@dataclass
class RecusalNeed:
    stage: object
    recused: list[User]
    counted: int
    wanted: int


def recusals_needing_replacement(*, teams: bool = True) -> list[RecusalNeed]:
    """Stages in review where a recusal left fewer counted reviewers than needed: a chair must assign a
    replacement. Oldest stage first. (Used by the chairs' dashboard and the reminder digest.) Each stage's project
    is read with it, and its team too unless ``teams`` is false (the dashboard names the project, no more)."""
    stages = list(db.session.scalars(_recused_stages(teams)))
    recused = perms.recused_by_stage(s.id for s in stages)
    found = []
    for stage in stages:
        ids = recused[stage.id]
        if needs_replacement(stage, ids):
            found.append(RecusalNeed(stage, [a.reviewer for a in stage.assignments if a.reviewer_id in ids],
                                     len(stage.assigned_reviewer_ids - ids), reviewers_wanted(stage)))
    return found


@functools.cache
def _recused_stages(teams: bool):
    """The statement of :func:`recusals_needing_replacement`, built once a process for each ``teams``: it does not
    depend on who reads, and building it cost more calls than reading it."""
    from sqlalchemy.orm import joinedload, selectinload

    project = joinedload(StageReview.project)
    recused_assigned = (select(StageReview.id)
                        .join(ConflictDeclaration, (ConflictDeclaration.stage_review_id == StageReview.id)
                              & (ConflictDeclaration.round_number == StageReview.round_number))
                        .join(ReviewAssignment, (ReviewAssignment.stage_review_id == StageReview.id)
                              & (ReviewAssignment.reviewer_id == ConflictDeclaration.reviewer_id))
                        # plain ``has_conflict`` (not IS TRUE): PostgreSQL then reads the few recusals from the
                        # partial index ix_conflict_declaration_recused, not every declaration (71 ms at 1M projects)
                        .where(StageReview.state == StageState.IN_REVIEW, ConflictDeclaration.has_conflict))
    return (select(StageReview).where(StageReview.id.in_(recused_assigned)).order_by(StageReview.id)
            .options(joinedload(StageReview.pipeline_stage), project if teams else project.lazyload(Project.members),
                     selectinload(StageReview.assignments).joinedload(ReviewAssignment.reviewer)))


def _chairs() -> list[User]:
    return users_with_role(Role.CHAIR)


# --- proposals --------------------------------------------------------------------------------------------

def open_loads() -> dict[int, int]:
    """Reviewer id -> number of their assignments on stages currently in review."""
    rows = db.session.execute(select(ReviewAssignment.reviewer_id, func.count())
                              .join(StageReview, StageReview.id == ReviewAssignment.stage_review_id)
                              .where(StageReview.state == StageState.IN_REVIEW)
                              .group_by(ReviewAssignment.reviewer_id))
    return dict(rows.all())


@dataclass
class Candidate:
    reviewer: User
    load: int
    covers: list[str] = field(default_factory=list)


@dataclass
class Proposal:
    wanted: int
    counted: int
    candidates: list[Candidate]
    uncovered: list[str]  # required expertise no proposed or counted reviewer brings

    @property
    def needed(self) -> int:
        return max(self.wanted - self.counted, 0)


def conflicted_ids(stage) -> set[int]:
    """Anyone who declared a conflict on this stage in any round."""
    return set(db.session.scalars(select(ConflictDeclaration.reviewer_id).where(
        ConflictDeclaration.stage_review_id == stage.id, ConflictDeclaration.has_conflict.is_(True))))


def eligible_reviewers(stage) -> list[User]:
    """Active reviewers who could be assigned: independent of the project, not the round's submitter,
    not yet assigned, never recused on this stage and not away under an active delegation."""
    people = db.session.scalars(select(User).join(UserRole).where(UserRole.role == Role.REVIEWER.value,
                                                                  User.active.is_(True)).order_by(User.id))
    conflicted = conflicted_ids(stage)
    return [u for u in people if perms.is_independent(u, stage) and perms.separate_from_submitter(u, stage)
            and u.id not in stage.assigned_reviewer_ids and u.id not in conflicted and not perms.is_away(u)]


def propose_reviewers(stage) -> Proposal:
    """The least-loaded eligible reviewers to bring the stage to M counted reviewers, choosing first,
    for each required expertise nobody counted covers, the least-loaded reviewer who has it."""
    loads = open_loads()
    counted_ids = counted_reviewer_ids(stage)
    counted = [a.reviewer for a in stage.assignments if a.reviewer_id in counted_ids]
    wanted = reviewers_wanted(stage)
    pool = sorted(eligible_reviewers(stage), key=lambda u: (loads.get(u.id, 0), u.name.lower(), u.id))
    needed = max(wanted - len(counted), 0)
    chosen: list[User] = []
    uncovered = missing_expertise(stage, counted)
    for expertise in list(uncovered):
        if len(chosen) >= needed:
            break
        if expertise not in {e for u in chosen for e in (u.expertise or [])}:
            match = next((u for u in pool if u not in chosen and expertise in (u.expertise or [])), None)
            if match is not None:
                chosen.append(match)
    for person in pool:
        if len(chosen) >= needed:
            break
        if person not in chosen:
            chosen.append(person)
    required = required_expertise(stage)
    candidates = [Candidate(u, loads.get(u.id, 0), [e for e in required if e in (u.expertise or [])])
                  for u in chosen]
    return Proposal(wanted, len(counted), candidates, missing_expertise(stage, counted + chosen))


# --- expertise ------------------------------------------------------------------------------------------

def set_expertise(chair: User, person: User, expertise: list[str]) -> None:
    """A chair records the expertise a reviewer brings (matched against stages' required roles)."""
    if not can_admin_users(chair):
        raise NotPermitted(_("Only a chair can record a reviewer's expertise."))
    known = [value for value, _label in expertise_choices()]
    unknown = [e for e in expertise if e not in known]
    if unknown:
        raise ServiceError(_("Unknown expertise: %(names)s.", names=", ".join(unknown)), "expertise")
    chosen = [e for e in known if e in expertise]
    before = list(person.expertise or [])
    if chosen == before:
        return
    person.expertise = chosen
    db.session.flush()
    record_event(chair, "user.expertise_changed", "user", person.id, before={"expertise": before},
                 after={"expertise": chosen})
    log.info("user %s expertise set to %s by %s", person.id, chosen, chair.id)


# --- delegation -------------------------------------------------------------------------------------------

def create_delegation(delegator: User, delegate: User | None, starts_on: date, ends_on: date,
                      reason: str = "") -> Delegation:
    """The delegator, away from ``starts_on`` to ``ends_on``, hands their assignments to ``delegate``.

    Raises NotPermitted (not a reviewer) or ServiceError (ineligible delegate, bad or overlapping period).
    """
    if not perms.can_manage_delegations(delegator):
        raise NotPermitted(_("Only an active reviewer can delegate their reviews."))
    if delegate is None or not (delegate.active and delegate.has_role(Role.REVIEWER)):
        raise ServiceError(_("Choose an active reviewer as your delegate."), "delegate_id")
    if delegate.id == delegator.id:
        raise ServiceError(_("You cannot delegate to yourself."), "delegate_id")
    if ends_on < starts_on:
        raise ServiceError(_("The period must end on or after its first day."), "ends_on")
    if ends_on < utcnow().date():
        raise ServiceError(_("The period is already over."), "ends_on")
    overlapping = db.session.scalar(select(Delegation.id).where(
        Delegation.delegator_id == delegator.id, Delegation.revoked_at.is_(None),
        Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise ServiceError(_("You already delegated part of that period; revoke that delegation first."), "starts_on")
    delegation = Delegation(delegator_id=delegator.id, delegate_id=delegate.id, starts_on=starts_on,
                            ends_on=ends_on, reason=(reason or "").strip())
    db.session.add(delegation)
    db.session.flush()
    perms.forget_declarations()
    record_event(delegator, "delegation.created", "delegation", delegation.id,
                 after={"delegator": delegator.name, "delegate": delegate.name, "delegate_id": delegate.id,
                        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                        "reason": delegation.reason})
    log.info("delegation %s: %s -> %s from %s to %s", delegation.id, delegator.id, delegate.id, starts_on, ends_on)
    return delegation


def revoke_delegation(user: User, delegation: Delegation) -> None:
    if delegation.delegator_id != user.id:
        raise NotPermitted(_("Only the person who delegated can revoke the delegation."))
    if delegation.revoked_at is not None:
        raise Conflict(_("This delegation was already revoked."))
    delegation.revoked_at = utcnow()
    db.session.flush()
    perms.forget_declarations()
    record_event(user, "delegation.revoked", "delegation", delegation.id,
                 before={"delegate": delegation.delegate.name}, after={"revoked_at": iso(delegation.revoked_at)})
    log.info("delegation %s revoked by %s", delegation.id, user.id)


def delegations_given(user: User) -> list[Delegation]:
    return list(db.session.scalars(select(Delegation).where(Delegation.delegator_id == user.id)
                                   .order_by(Delegation.starts_on.desc(), Delegation.id.desc())))


def delegations_received(user: User) -> list[Delegation]:
    return list(db.session.scalars(select(Delegation).where(Delegation.delegate_id == user.id,
                                                            Delegation.revoked_at.is_(None),
                                                            Delegation.ends_on >= utcnow().date())
                                   .order_by(Delegation.starts_on)))
