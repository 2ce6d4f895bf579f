"""Reviewing a stage: verdicts, signed decisions, quorum, assignments and the approval queue."""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from sqlalchemy import Integer, String, bindparam, exists, func, select
from sqlalchemy.orm import aliased, contains_eager, defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from reviewboard.audit.services import canonical, record_event
from reviewboard.auth import services as accounts
from reviewboard.auth.models import Role, User
from reviewboard.auth.passwords import check_password
from reviewboard.catalogs.services import CriterionText, criteria_texts
from reviewboard.committee import services as committee
from reviewboard.committee.models import ConflictDeclaration
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.core.language import current_language
from reviewboard.core.plans import generic_plan
from reviewboard.extensions import db
from reviewboard.i18n.languages import SOURCE_LANGUAGE
from reviewboard.mfa import services as mfa
from reviewboard.models.base import iso, utcnow
from reviewboard.pipelines.models import PipelineStage
from reviewboard.projects import permissions as project_perms
from reviewboard.projects.models import Project
from reviewboard.reviews import lifecycle, workflow
from reviewboard.reviews import permissions as perms
from reviewboard.reviews.models import (
    ReviewAssignment,
    SignOff,
    StageReview,
    SubmissionRound,
    Verdict,
    lock_stage,
    pipeline_stage_label,
)
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue

log = logging.getLogger("reviewboard.reviews")
security_log = logging.getLogger("reviewboard.security")


class SigningRefused(ServiceError):
    """Wrong password or blocked signing. The failure event must be committed even though we refuse.
    A ServiceError's 422: the review form comes back with the verdicts as typed and the message by the
    password field."""

    persist = True


@dataclass(frozen=True)
class VerdictEntry:
    criterion_id: int
    value: VerdictValue | None
    rationale: str
    reopen: bool = False  # re-examine this criterion in the next round if changes are requested


@dataclass(frozen=True)
class ConditionEntry:
    text: str
    owner_id: int
    due_date: date


def save_verdicts(reviewer: User, stage: StageReview, entries: list[VerdictEntry]) -> int:
    """Insert or update this reviewer's verdicts for the current round; returns how many changed."""
    stage = lock_stage(stage)
    if stage.state.decided or stage.state == StageState.CHANGES_REQUESTED:
        # decided by the other signers while this reviewer's form was open (or waiting on the lock): a stale
        # form, as for a signature (409), not a refusal
        raise Conflict(f"This stage is {stage.state.label.lower()} now: it is no longer waiting for your "
                       "decision. Nothing was saved.")
    if perms.is_recused(reviewer, stage):
        raise NotPermitted(_("You declared a conflict of interest for this round: you are recused."))
    if not perms.can_review(reviewer, stage):
        raise NotPermitted(_("You cannot review this stage."))
    if perms.has_signed(reviewer, stage):
        raise Conflict(_("You have already signed your decision for this round; verdicts are locked."))
    behalf = perms.acting_for(reviewer, stage)  # a delegate acting for an away reviewer
    round_ = stage.current_round
    applicable = {c.id: c for c in stage.applicable_criteria()}
    existing = {v.criterion_id: v for v in round_.verdicts if v.reviewer_id == reviewer.id}
    changed = []
    for entry in entries:
        criterion = applicable.get(entry.criterion_id)
        if criterion is None or entry.value is None:
            continue
        rationale = entry.rationale.strip()
        if entry.value.needs_rationale and not rationale:
            raise ServiceError(_("%(code)s: give a rationale for “%(verdict)s”.", code=criterion.code,
                                 verdict=_(entry.value.label)),
                               f"criterion-{criterion.id}")
        verdict = existing.get(criterion.id)
        if verdict is None:
            verdict = Verdict(round_id=round_.id, reviewer_id=reviewer.id, criterion_id=criterion.id,
                              value=entry.value, rationale=rationale, on_behalf_of_id=behalf.id if behalf else None)
            round_.verdicts.append(verdict)
            before = None
        elif verdict.value == entry.value and verdict.rationale == rationale and verdict.reopen == entry.reopen:
            continue
        else:
            before = {"value": verdict.value.value, "rationale": verdict.rationale}
            if verdict.value != entry.value or verdict.rationale != rationale:
                verdict.carried_over = False  # the reviewer's own verdict now, not the previous round's
            verdict.value, verdict.rationale, verdict.updated_at = entry.value, rationale, utcnow()
        verdict.reopen = entry.reopen
        changed.append((verdict, before, criterion.code, entry, rationale))
    if changed:
        db.session.flush()  # every verdict in one go (the new ones get their ids for their events)
    for verdict, before, code, entry, rationale in changed:
        record_event(reviewer, "verdict.recorded", "verdict", verdict.id, before=before,
                     after={"stage_review_id": stage.id, "round": round_.number, "criterion": code,
                            "value": entry.value.value, "rationale": rationale, "reopen": entry.reopen},
                     on_behalf_of=behalf)
    return len(changed)


def _check_password(reviewer: User, password: str, stage: StageReview, mfa_code: str | None = None) -> bool:
    """Refuse (SigningRefused, the failure audited and counted) unless the password is right and, when the
    signer has two-step verification on, ``mfa_code`` is a current authenticator code not used before.
    Returns whether a code was checked."""
    if accounts.signing_blocked(reviewer):
        security_log.warning("signature.blocked user=%s stage=%s", reviewer.id, stage.id)
        window = format_timedelta(current_app.config["SIGNING_FAILURE_WINDOW"], threshold=1)
        raise SigningRefused(_("Signing is blocked for %(window)s after repeated wrong passwords. "
                               "The committee chairs have been alerted.", window=window), "password")
    if not check_password(reviewer.password_hash, password or ""):
        record_event(reviewer, "signature.failed", "user", reviewer.id, after={"stage_review_id": stage.id})
        security_log.warning("signature.failure user=%s stage=%s", reviewer.id, stage.id)
        if accounts.signing_blocked(reviewer):
            record_event(None, "security.alert", "user", reviewer.id,
                         after={"alert": "signing blocked after repeated wrong passwords",
                                "notified": [u.email for u in accounts.users_with_role(Role.CHAIR)]})
            security_log.error("security.alert signing blocked user=%s", reviewer.id)
        raise SigningRefused(_("The password is not correct. Nothing was signed."), "password")
    if not mfa.is_enabled(reviewer):
        return False
    if not mfa.verify_totp(reviewer, mfa_code or ""):
        record_event(reviewer, "signature.failed", "user", reviewer.id,
                     after={"stage_review_id": stage.id, "factor": "totp"})
        security_log.warning("signature.failure user=%s stage=%s factor=totp", reviewer.id, stage.id)
        raise SigningRefused(_("That authenticator code is not right, or was already used. Enter the code the app "
                               "shows now. Nothing was signed."), "mfa_code")
    return True


def _check_reauthentication(reviewer: User, proof, stage: StageReview) -> None:
    """A signing SSO user's login at the provider must have happened after the signing began (auth_time)."""
    if accounts.signing_blocked(reviewer):
        raise SigningRefused(_("Signing is blocked for a while after repeated failed attempts. The committee "
                               "chairs have been alerted."), "password")
    if not proof.fresh:
        record_event(reviewer, "signature.failed", "user", reviewer.id,
                     after={"stage_review_id": stage.id, "reason": "stale login at the identity provider",
                            "issuer": proof.issuer, "auth_time": proof.auth_time_iso})
        security_log.warning("signature.failure user=%s stage=%s stale auth_time", reviewer.id, stage.id)
        raise SigningRefused(_("Your identity provider did not confirm a fresh login (its authentication time is "
                               "before you asked to sign). Nothing was signed."), "password")


def sign_decision(reviewer: User, stage: StageReview, outcome: Outcome, password: str,
                  conditions: list[ConditionEntry] | None = None, comment: str = "",
                  reopen_all: bool = False, reauthentication=None, mfa_code: str | None = None) -> SignOff:
    """Sign ``outcome`` for the current round; decide the stage when the quorum is reached.

    Raises SigningRefused (wrong password, or wrong authenticator code when the signer has two-step verification
    on; the failure is audited), NotPermitted, Conflict (already
    signed, stage no longer in review) or ServiceError (missing verdicts or conditions). When requesting
    changes, the criteria whose verdicts are marked ``reopen`` (all of them with ``reopen_all``) are the ones
    reopened for the next round. An SSO user proves who they are by a fresh login at the identity provider
    (``reauthentication``, reviewboard.sso.services.Reauthentication) instead of the password.
    """
    stage = lock_stage(stage)
    if stage.state != StageState.IN_REVIEW:
        raise Conflict(f"This stage is {stage.state.label.lower()}; there is nothing to sign.")
    if perms.has_signed(reviewer, stage):
        raise Conflict(_("You have already signed your decision for this round."))
    if perms.is_recused(reviewer, stage):
        raise NotPermitted(_("You declared a conflict of interest for this round: you are recused and cannot sign."))
    if not perms.can_sign(reviewer, stage):
        raise NotPermitted(_("You cannot sign this stage."))
    behalf = perms.acting_for(reviewer, stage)  # a delegate signing for an away reviewer
    if reauthentication is None:
        with_totp = _check_password(reviewer, password, stage, mfa_code)
        authenticated_by = "password+totp" if with_totp else "password"
    else:  # the identity provider's own policy covers its second factor
        _check_reauthentication(reviewer, reauthentication, stage)
        authenticated_by = reauthentication.method
    round_ = stage.current_round
    mine = {v.criterion_id: v for v in round_.verdicts if v.reviewer_id == reviewer.id}
    missing = [c.code for c in stage.applicable_criteria() if c.id not in mine]
    if missing:
        raise ServiceError(_("Record a verdict on every criterion before signing (missing: %(missing)s).",
                             missing=", ".join(missing)))
    if outcome in (Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS):
        unfiled = lifecycle.filings_missing(stage)
        if unfiled:  # also refused by the workflow when deciding; said here before anything is signed
            raise ServiceError(_("%(stage)s cannot be approved: required registration filings are missing: "
                                 "%(missing)s. Request changes, or wait until the project records them.",
                                 stage=stage.name, missing="; ".join(unfiled)))
    conditions = conditions or []
    if outcome == Outcome.APPROVE_WITH_CONDITIONS and not conditions:
        raise ServiceError(_("Add at least one condition, with an owner and a due date."), "conditions")
    if outcome != Outcome.APPROVE_WITH_CONDITIONS and conditions:
        conditions = []
    member_ids = stage.project.member_ids
    for c in conditions:
        if c.owner_id not in member_ids:
            raise ServiceError(_("A condition's owner must be a member of the project."), "conditions")
        if c.due_date <= utcnow().date():
            raise ServiceError(_("A condition's due date must be in the future."), "conditions")
    if outcome == Outcome.REQUEST_CHANGES and reopen_all:
        for v in mine.values():
            v.reopen = True
    reopened = sorted(v.criterion.code for v in mine.values() if v.reopen) if outcome == Outcome.REQUEST_CHANGES \
        else []
    role_title = committee.signing_role(reviewer, stage, behalf)
    meaning = workflow.signature_meaning(outcome, role_title, stage.name)
    signed_at = utcnow()
    content = canonical({
        "stage_review_id": stage.id, "project_id": stage.project_id, "round": round_.number,
        "snapshot_sha256": hashlib.sha256(canonical(round_.snapshot).encode()).hexdigest(),
        "verdicts": sorted([v.criterion.code, v.value.value, v.rationale] for v in mine.values()),
        "outcome": outcome.value, "meaning": meaning, "signer": {"id": reviewer.id, "name": reviewer.name},
        "signed_at": iso(signed_at), "comment": comment.strip(), "authenticated_by": authenticated_by,
        "conditions": [[c.text.strip(), c.owner_id, c.due_date.isoformat()] for c in conditions],
        **({"reopen": reopened} if outcome == Outcome.REQUEST_CHANGES else {}),
        **({"on_behalf_of": {"id": behalf.id, "name": behalf.name}} if behalf is not None else {}),
    })
    signoff = SignOff(round_id=round_.id, reviewer_id=reviewer.id, outcome=outcome, comment=comment.strip(),
                      printed_name=reviewer.name, role_title=role_title, meaning=meaning, signed_at=signed_at,
                      content_sha256=hashlib.sha256(content.encode()).hexdigest(), signed_content=content,
                      on_behalf_of_id=behalf.id if behalf is not None else None, authenticated_by=authenticated_by)
    round_.signoffs.append(signoff)
    db.session.flush()
    record_event(reviewer, "signoff.signed", "stage_review", stage.id,
                 after={"round": round_.number, "outcome": outcome.value, "meaning": meaning,
                        "printed_name": reviewer.name, "signed_at": iso(signed_at),
                        "content_sha256": signoff.content_sha256, "conditions": len(conditions),
                        "authenticated_by": authenticated_by},
                 on_behalf_of=behalf)
    log.info("stage %s signed by %s: %s", stage.id, reviewer.id, outcome.value)
    lifecycle.decide_if_quorum(reviewer, stage)
    return signoff


def assign_reviewer(chair: User, stage: StageReview, reviewer: User) -> ReviewAssignment:
    if not perms.can_assign(chair, stage):
        raise NotPermitted(_("Only an independent chair can assign reviewers to this stage."))
    if not (reviewer.active and reviewer.has_role(Role.REVIEWER)):
        raise ServiceError(_("Choose an active reviewer."), "reviewer_id")
    if not perms.is_independent(reviewer, stage):
        raise ServiceError(_("%(name)s is a member of this project and cannot review it.", name=reviewer.name),
                           "reviewer_id")
    if reviewer.id in stage.assigned_reviewer_ids:
        raise ServiceError(_("%(name)s is already assigned.", name=reviewer.name), "reviewer_id")
    if not perms.separate_from_submitter(reviewer, stage):
        raise ServiceError(_("%(name)s submitted this round and cannot review it.", name=reviewer.name),
                           "reviewer_id")

    if reviewer.id in committee.conflicted_ids(stage):
        raise ServiceError(_("%(name)s declared a conflict of interest on this stage.", name=reviewer.name),
                           "reviewer_id")
    assignment = ReviewAssignment(reviewer_id=reviewer.id, assigned_by_id=chair.id)
    stage.assignments.append(assignment)
    db.session.flush()
    record_event(chair, "review.assigned", "stage_review", stage.id, after={"reviewer": reviewer.name,
                                                                             "reviewer_id": reviewer.id})
    return assignment


def assign_proposed(chair: User, stage, reviewer_ids: list[int]) -> list[User]:
    """Assign the reviewers the chair confirmed from a proposal (each checked as a manual assignment)."""
    if not reviewer_ids:
        raise ServiceError(_("There is no one to assign."), "reviewer_ids")
    assigned = []
    for reviewer_id in dict.fromkeys(reviewer_ids):
        reviewer = db.session.get(User, reviewer_id)
        if reviewer is None:
            raise ServiceError(_("That reviewer no longer exists."), "reviewer_ids")
        assign_reviewer(chair, stage, reviewer)
        assigned.append(reviewer)
    return assigned


def unassign_reviewer(chair: User, stage: StageReview, reviewer_id: int) -> None:
    if not perms.can_assign(chair, stage):
        raise NotPermitted(_("Only an independent chair can change assignments."))
    assignment = next((a for a in stage.assignments if a.reviewer_id == reviewer_id), None)
    if assignment is None:
        return
    name = assignment.reviewer.name
    stage.assignments.remove(assignment)
    db.session.delete(assignment)
    db.session.flush()
    record_event(chair, "review.unassigned", "stage_review", stage.id, before={"reviewer": name,
                                                                               "reviewer_id": reviewer_id})


def queue_query(reviewer: User, *, stage_code: str = "", tier: str = "", status: str = "waiting"):
    """Stages in review that this reviewer may act on, oldest submission first, as (stage, submitted_at) rows with
    what each row of the queue shows loaded with them: the project's name and tier (not its long texts nor its
    team), the stage's name (not its JSON rules), the current round's signatures (not the signed texts nor the
    round's submission snapshot). The queue page reads :func:`queue_page_query` instead."""
    chair = reviewer.has_role(Role.CHAIR)
    stmt = _in_queue(select(StageReview, StageReview.submitted_at.label("at")), reviewer.id,
                     [] if chair else _reviewing_for(reviewer), chair=chair, status=status,
                     stage_code=stage_code or None, tier=tier or None)
    return stmt.options(contains_eager(StageReview.project).load_only(Project.name, Project.tier, Project.owner_id,
                                                                      Project.version).lazyload(Project.members),
                        defer(StageReview.reopen_codes),
                        pipeline_stage_label(contains_eager(StageReview.pipeline_stage)),
                        selectinload(StageReview.rounds).load_only(SubmissionRound.id, SubmissionRound.number)
                        .selectinload(SubmissionRound.signoffs).load_only(SignOff.id, SignOff.reviewer_id))


def queue_page_query(reviewer: User, *, stage_code: str = "", tier: str = "", status: str = "waiting"):
    """:func:`queue_query`'s stages as rows of the columns the queue page shows, the current round's number of
    signatures counted per row: one statement for the page, no entities to build nor rounds to load after it.

    Returns (statement, its parameters): the statement is built once a process for each shape of query (a chair
    or not, the status, whether a stage or a tier is chosen), with the reader, the reviewers they act for and the
    filters as bound parameters: building it took longer than PostgreSQL takes to answer it."""
    chair = reviewer.has_role(Role.CHAIR)
    params = {"queue_reviewer": reviewer.id}
    if not chair:
        params["queue_reviewer_ids"] = _reviewing_for(reviewer)
    if stage_code:
        params["queue_stage_code"] = stage_code
    if tier:
        params["queue_tier"] = tier
    return _queue_page_shape(chair, status, bool(stage_code), bool(tier)), params


def _reviewing_for(reviewer: User) -> list[int]:
    """The reviewers whose assignments ``reviewer`` acts on: their own, and those of the reviewers away who delegated
    to them."""
    return [reviewer.id, *(d.delegator_id for d in perms.active_delegations_to(reviewer))]


@functools.cache
def _queue_page_shape(chair: bool, status: str, by_stage: bool, by_tier: bool):
    signatures = (select(func.count(SignOff.id)).join(SubmissionRound, SignOff.round_id == SubmissionRound.id)
                  .where(SubmissionRound.stage_review_id == StageReview.id,
                         SubmissionRound.number == StageReview.round_number)
                  .correlate(StageReview).scalar_subquery())
    columns = (StageReview.id, StageReview.submitted_at, StageReview.round_number, StageReview.quorum,
               StageReview.due_at, StageReview.state, Project.name.label("project_name"), Project.tier,
               PipelineStage.name, PipelineStage.translations, signatures.label("signatures"))
    stmt = _in_queue(select(*columns), bindparam("queue_reviewer", type_=Integer),
                     bindparam("queue_reviewer_ids", type_=Integer, expanding=True), chair=chair, status=status,
                     stage_code=bindparam("queue_stage_code", type_=String) if by_stage else None,
                     tier=bindparam("queue_tier", type_=String) if by_tier else None)
    # The queue as it opens (and the dashboard's first rows of it) is planned once per connection (core/plans.py):
    # planning it cost more than running it, and its plan does not depend on who reads it. Not the other shapes:
    # for "signed by me" the generic plan took 149 ms at 1,000,000 projects (the custom one 5 ms), and a stage or
    # tier chosen may be rare. A limit added to it must be written in: bound_for() (the dashboard's is)
    return generic_plan(stmt) if status == "waiting" and not (by_stage or by_tier) else stmt


def _in_queue(stmt, reviewer_id, reviewer_ids, *, chair: bool, status: str, stage_code, tier):
    """``stmt`` read from the stages in review that reviewer ``reviewer_id`` (a chair or not) may act on, joined to
    their project and pipeline stage, oldest submission first. ``reviewer_ids``: the reviewers whose assignments
    they act on (their own, and those of the reviewers away who delegated to them; unused for a chair);
    ``stage_code`` and ``tier``: a filter each, or None. Each argument but ``chair`` may be a bound parameter.

    The stages in review are read in queue order from one index (state, submitted_at, id: the current round's
    submission time is kept on the stage) and each is checked with index lookups, so a page stops after its
    rows whatever the number of stages in review, instead of joining and sorting every undecided round."""
    stmt = (stmt.select_from(StageReview)
            .join(Project, StageReview.project_id == Project.id)
            .join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
            .where(StageReview.state == StageState.IN_REVIEW)
            # not their own projects: the few ids they own or are on the team of (project_perms.team_project_ids), as
            # one small set on the stage's project id (as filters on the project row, PostgreSQL guessed half the
            # projects pass and read them all: 134 ms for the count at 100,000 projects, 1.3 ms this way)
            .where(StageReview.project_id.not_in(
                select(Project.id).where(Project.owner_id == reviewer_id)
                .union(project_perms.team_project_ids(reviewer_id)))))
    if not chair:
        # hidden when assigned to others and not to this reviewer nor to a reviewer away who delegated to them
        # (``reviewer_ids``); one NOT EXISTS (an OR of two would read every assignment into a hash table), answered
        # per stage from the (stage_review_id, reviewer_id) index. The ids are values, not a subquery on the
        # delegations: that way PostgreSQL read every assignment (20,000 at 1,000,000 projects) to find theirs.
        other = aliased(ReviewAssignment)
        assigned_me = (exists().where(other.stage_review_id == StageReview.id, other.reviewer_id.in_(reviewer_ids))
                       .correlate_except(other))  # the queue's stage row, two levels up
        stmt = stmt.where(~exists().where(ReviewAssignment.stage_review_id == StageReview.id, ~assigned_me))

    recused_me = exists().where(ConflictDeclaration.stage_review_id == StageReview.id,
                                ConflictDeclaration.round_number == StageReview.round_number,
                                ConflictDeclaration.reviewer_id == reviewer_id, ConflictDeclaration.has_conflict)
    stmt = stmt.where(~recused_me)  # a recused reviewer has nothing to do on the stage this round
    signed_me = exists().where(SubmissionRound.stage_review_id == StageReview.id,
                               SubmissionRound.number == StageReview.round_number,
                               SignOff.round_id == SubmissionRound.id, SignOff.reviewer_id == reviewer_id)
    if status == "waiting":
        stmt = stmt.where(~signed_me)
    elif status == "signed":
        stmt = stmt.where(signed_me)
    if stage_code is not None:
        stmt = stmt.where(PipelineStage.code == stage_code)
    if tier is not None:
        stmt = stmt.where(Project.tier == tier)
    return stmt.order_by(StageReview.submitted_at.asc(), StageReview.id.asc())


def criteria_shown(stage: StageReview, language: str | None = None) -> list[CriterionText]:
    """``stage``'s applicable criteria (:meth:`StageReview.applicable_criteria`) as pages show them, in ``language``
    (default: the reader's): copies read once per process (catalogs.services.criteria_texts), so showing a stage
    reads no criterion. Not rows: ask ``applicable_criteria`` to change or compare them."""
    return stage.select_applicable(criteria_texts(stage.catalog, language or current_language()))


def criterion_codes(stage: StageReview) -> dict[int, str]:
    """Every criterion of ``stage``'s pinned catalog, id -> code, from the same copies (no statement once read): a
    verdict's code without loading its criterion."""
    return {c.id: c.code for c in criteria_texts(stage.catalog, SOURCE_LANGUAGE)}


def load_people_shown(stage: StageReview) -> None:
    """The people the stage page names, read in one statement rather than one each: the assigned reviewers, each
    round's submitter, the current round's signers and those they signed for, and the project's team (the owners a
    reviewer's conditions may name); once someone signed, everyone's roles in a second (the approval rule asks
    whether the signers are all chairs)."""
    current = stage.current_round
    signoffs = current.signoffs if current is not None else []
    members = stage.project.members
    people = accounts.people_by_id([a.reviewer_id for a in stage.assignments]
                                   + [r.submitted_by_id for r in stage.rounds]
                                   + [i for s in signoffs for i in (s.reviewer_id, s.on_behalf_of_id)]
                                   + [m.user_id for m in members],
                                   roles=bool(signoffs))
    for member in members:
        set_committed_value(member, "user", people[member.user_id])
    for assignment in stage.assignments:
        set_committed_value(assignment, "reviewer", people[assignment.reviewer_id])
    for round_ in stage.rounds:
        set_committed_value(round_, "submitted_by", people[round_.submitted_by_id])
    for signoff in signoffs:
        set_committed_value(signoff, "reviewer", people[signoff.reviewer_id])
        set_committed_value(signoff, "on_behalf_of", people.get(signoff.on_behalf_of_id))
