"""Conditions of an approval as tracked items: answered by the project (with an evidence file), accepted
(closed) or sent back (reopened) by a reviewer of the stage or a chair. Open or fulfilled conditions past
their due date on an earlier stage block the submission of the next one (``Facts.overdue_conditions``).
"""

from __future__ import annotations

import json
import logging
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.auth.models import Role, User
from reviewboard.catalogs.models import Criterion
from reviewboard.certificates import status as certificate_status
from reviewboard.conditions import permissions as perms
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.projects.permissions import is_contributor, own_project_ids
from reviewboard.projects.uploads import store_evidence
from reviewboard.reviews.models import Condition, ReviewAssignment, SignOff, StageReview, SubmissionRound

log = logging.getLogger("reviewboard.conditions")


def today() -> date:
    return utcnow().date()


def _state(condition: Condition) -> dict:
    return {"status": condition.status, "evidence_id": condition.evidence_id, "response": condition.response,
            "closed_by_id": condition.closed_by_id, "closing_note": condition.closing_note}


def _lock(condition: Condition) -> Condition:
    """Take the row lock (PostgreSQL; SQLite already serialises writers) so two decisions cannot both apply."""
    db.session.execute(select(Condition.id).where(Condition.id == condition.id).with_for_update())
    db.session.refresh(condition)
    return condition


def _note(note: str, message: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ServiceError(message, "note")
    return note


def respond(actor: User, condition: Condition, note: str, criterion_id: int, filename: str,
            data: bytes) -> Condition:
    """The owner (or another member) says the condition is met and attaches the evidence -> 'fulfilled'.

    The file is checked like any evidence file and stored on the condition's stage, for the criterion it
    supports. Raises NotPermitted, Conflict (closed meanwhile) or ServiceError (note, criterion, file).
    """
    condition = _lock(condition)
    if condition.status == "closed" and actor.active and is_contributor(actor, condition.stage_review.project):
        raise Conflict(_("This condition was closed meanwhile; nothing was saved."))
    if not perms.can_respond(actor, condition):
        raise NotPermitted(_("Only the project's members can answer its conditions."))
    note = _note(note, "Say how the condition is met.")
    stage = condition.stage_review
    criterion = db.session.get(Criterion, criterion_id) if criterion_id else None
    if criterion is None or criterion not in stage.applicable_criteria():
        raise ServiceError(_("Choose the criterion this evidence supports."), "criterion_id")
    evidence = store_evidence(actor, stage, criterion, filename, data, audit={"condition_id": condition.id})
    before = _state(condition)
    condition.status, condition.response, condition.responded_at = "fulfilled", note, utcnow()
    condition.evidence_id = evidence.id
    db.session.flush()
    record_event(actor, "condition.fulfilled", "condition", condition.id, before=before,
                 after={**_state(condition), "responded_at": iso(condition.responded_at),
                        "evidence_sha256": evidence.sha256}, reason=note)
    log.info("condition %s fulfilled by %s", condition.id, actor.id)
    return condition


def close(actor: User, condition: Condition, note: str) -> Condition:
    """A reviewer of the stage or a chair accepts the condition as met -> 'closed'; it no longer blocks."""
    condition = _lock(condition)
    if condition.status == "closed" and perms.can_decide(actor, condition):
        raise Conflict(_("This condition is already closed."))
    if not perms.can_close(actor, condition):
        raise NotPermitted(_("Only a reviewer of this stage or a chair, independent of the project, can close it."))
    note = _note(note, "Say why the condition is met (or waived).")
    before = _state(condition)
    condition.status, condition.closed_by_id, condition.closed_at = "closed", actor.id, utcnow()
    condition.closing_note = note
    db.session.flush()
    record_event(actor, "condition.closed", "condition", condition.id, before=before,
                 after={**_state(condition), "closed_at": iso(condition.closed_at)}, reason=note)
    log.info("condition %s closed by %s", condition.id, actor.id)
    certificate_status.refresh_project(actor, condition.stage_review.project)  # an overdue one no longer suspends
    return condition


def reopen(actor: User, condition: Condition, note: str) -> Condition:
    """Send a fulfilled or closed condition back to its owner -> 'open' (the answer stays in the history)."""
    condition = _lock(condition)
    if condition.status == "open" and perms.can_decide(actor, condition):
        raise Conflict(_("This condition is already open."))
    if not perms.can_reopen(actor, condition):
        raise NotPermitted(_("Only a reviewer of this stage or a chair, independent of the project, can reopen it."))
    note = _note(note, "Say what is still missing.")
    before = _state(condition)
    condition.status = "open"
    condition.closed_by_id = condition.closed_at = condition.closing_note = None
    db.session.flush()
    record_event(actor, "condition.reopened", "condition", condition.id, before=before, after=_state(condition),
                 reason=note)
    log.info("condition %s reopened by %s", condition.id, actor.id)
    certificate_status.refresh_project(actor, condition.stage_review.project)  # overdue again: suspends
    return condition


def note_overdue(today: date | None = None) -> list[Condition]:
    """The daily sweep's part for conditions (`reviewboard remind`, `reviewboard rereview sweep`): each condition
    not closed and past its due date becomes overdue once, as a ``condition.overdue`` audit event by the system
    (which queues the webhook of that name). ``overdue_noted_at`` makes it once per condition: a later sweep,
    or one running at the same time (the rows are locked; PostgreSQL re-reads a locked row's condition once the
    other commits, SQLite serialises writers), finds it noted. Flushes; returns the conditions noted now."""
    today = today or utcnow().date()
    stmt = (select(Condition).where(Condition.status != "closed", Condition.due_date < today,
                                    Condition.overdue_noted_at.is_(None))
            .order_by(Condition.id).with_for_update())
    noted = list(db.session.scalars(stmt))
    for condition in noted:
        condition.overdue_noted_at = utcnow()
        db.session.flush()
        record_event(None, "condition.overdue", "condition", condition.id, before={"overdue": False},
                     after={"overdue": True, "status": condition.status, "due_date": condition.due_date.isoformat(),
                            "stage_id": condition.stage_review_id, "owner_id": condition.owner_id})
        log.info("condition %s overdue since %s", condition.id, condition.due_date)
    return noted


# ------------------------------------------------------------------------------------------------- queries

def overdue_before(stage: StageReview, on: date | None = None) -> list[Condition]:
    """Conditions not closed and past due on the stages before ``stage`` in its project."""
    stmt = (select(Condition).join(StageReview, Condition.stage_review_id == StageReview.id)
            .where(StageReview.project_id == stage.project_id, StageReview.position < stage.position,
                   Condition.status != "closed", Condition.due_date < (on or today()))
            .order_by(Condition.due_date, Condition.id))
    return list(db.session.scalars(stmt))


def has_overdue_before(stage: StageReview) -> bool:
    return bool(overdue_before(stage))


def visible_query(user: User, *, include_closed: bool = False, entities: bool = True):
    """Conditions this person follows, overdue (earliest due) first: chairs and auditors see all; reviewers
    those of stages they reviewed; everyone those of projects they are a member of. ``entities=False``: for a
    caller that reads columns of its own (with_only_columns), without the options that load each condition's
    project, stage and owner with it."""
    stmt = select(Condition).join(StageReview, Condition.stage_review_id == StageReview.id)
    if not user.roles & {Role.CHAIR, Role.AUDITOR}:
        # each clause names the stages it allows (no filter on the joined stage row): the database starts
        # from this person's few projects and stages, not from every stage
        their_stages = select(StageReview.id).where(StageReview.project_id.in_(own_project_ids(user)))
        if user.has_role(Role.REVIEWER):
            signed = (select(SubmissionRound.stage_review_id).join(SignOff, SignOff.round_id == SubmissionRound.id)
                      .where(SignOff.reviewer_id == user.id))
            assigned = select(ReviewAssignment.stage_review_id).where(ReviewAssignment.reviewer_id == user.id)
            their_stages = their_stages.union(signed, assigned)
        # one set of condition ids from two indexes (owner, stage): an OR would scan every condition
        followed = (select(Condition.id).where(Condition.owner_id == user.id)
                    .union(select(Condition.id).where(Condition.stage_review_id.in_(their_stages))))
        stmt = stmt.where(Condition.id.in_(followed))
    if not include_closed:
        stmt = stmt.where(Condition.status.in_(("open", "fulfilled")))
    if not entities:
        return stmt.order_by(Condition.due_date, Condition.id)
    # the lists show each condition's project, stage and owner: loaded with the page, not row by row
    stmt = stmt.options(contains_eager(Condition.stage_review).joinedload(StageReview.project),
                        contains_eager(Condition.stage_review).joinedload(StageReview.pipeline_stage),
                        joinedload(Condition.owner))
    return stmt.order_by(Condition.due_date, Condition.id)


HISTORY_VERBS = {"condition.fulfilled": _l("answered (fulfilled)"), "condition.closed": _l("closed"),
                 "condition.reopened": _l("reopened"), "condition.overdue": _l("became overdue")}


def history(condition: Condition) -> list[dict]:
    """The condition's audit events, oldest first: when, who, what and the note they gave."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "condition",
                                                         AuditEvent.object_id == str(condition.id))
                                .order_by(AuditEvent.seq))
    return [{"at": e.created_at, "actor": e.actor_name, "verb": HISTORY_VERBS.get(e.action, e.action),
             "note": (json.loads(e.payload).get("reason") or "")} for e in events]
