"""The stage lifecycle behind one door: opening, submitting, deciding and reopening a stage review.

Each step gathers the facts its transition's guard reads and calls :func:`workflow.apply`, the only place
that assigns a state; then it stamps the stage, flushes and writes the audit event. Services flush; the
request or CLI command commits.
"""

from __future__ import annotations

import calendar
import dataclasses
import json
import logging
from datetime import date

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.certificates import status as certificate_status
from reviewboard.committee import services as committee
from reviewboard.conditions.services import has_overdue_before
from reviewboard.core.errors import Conflict, NotPermitted
from reviewboard.core.language import current_language
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.pipelines.services import decision_due
from reviewboard.projects import permissions as project_perms
from reviewboard.projects.models import project_state
from reviewboard.projects.tiering import review_tier
from reviewboard.records.issuing import request_record
from reviewboard.registration.services import missing_required_filings
from reviewboard.rereview.rules import load_rules
from reviewboard.reviews import resubmission, workflow
from reviewboard.reviews.models import Condition, StageReview, SubmissionRound, lock_stage
from reviewboard.reviews.workflow import PASSED_STATES, Action, Facts, Outcome, StageState
from reviewboard.systems.services import RETIREMENT_STAGE, on_system_retired

log = logging.getLogger("reviewboard.reviews")


# -- opening ----------------------------------------------------------------------------------------------

def open_stage(actor, stage: StageReview) -> None:
    previous = _previous_stage(stage)
    old = workflow.apply(stage, Action.OPEN, Facts(previous_stage_passed=previous is None or previous.passed))
    stage.opened_at = utcnow()
    db.session.flush()
    record_event(actor, "stage.opened", "stage_review", stage.id, before={"state": old.value},
                 after={"state": stage.state.value, "stage": stage.name, "project_id": stage.project_id})


def _previous_stage(stage: StageReview) -> StageReview | None:
    earlier = [s for s in stage.project.stages if s.position < stage.position]
    return earlier[-1] if earlier else None


# -- submitting -------------------------------------------------------------------------------------------

def filings_missing(stage: StageReview) -> tuple[str, ...]:
    """The registration duties due by this stage that have no filing yet, described for people (in the reader's
    language)."""
    return tuple(d.describe() for d in missing_required_filings(stage.project, stage.code, current_language()))


def stage_snapshot(stage: StageReview) -> dict:
    project = stage.project
    return {
        "project": project_state(project),
        "evidence": [{"id": e.id, "criterion": e.criterion.code, "filename": e.filename, "sha256": e.sha256,
                      "size": e.size} for e in stage.evidence if not e.withdrawn],
    }


def submit_stage(actor: User, stage: StageReview, note: str, expected_version: int) -> SubmissionRound:
    """Submit (or resubmit) the stage as it is now; refused (IllegalTransition) when an earlier stage has
    overdue open conditions or a resubmission changes nothing. Verdicts on criteria not reopened carry over."""
    if not project_perms.can_submit_stage(actor, stage):
        raise NotPermitted("Only the project's members can submit this stage while it is with them.")
    if stage.version != expected_version:
        raise Conflict("This stage changed since you opened the page.")
    previous = _previous_stage(stage)
    snapshot = stage_snapshot(stage)
    last = stage.current_round
    action = Action.RESUBMIT if stage.state == StageState.CHANGES_REQUESTED else Action.SUBMIT
    facts = Facts(previous_stage_passed=previous is None or previous.passed,
                  escalation_blocked=stage.project.blocked_by_escalation,
                  changed_since_last_round=last is None or last.snapshot != snapshot,
                  overdue_conditions=has_overdue_before(stage), missing_filings=filings_missing(stage))
    old = workflow.apply(stage, action, facts)
    stage.round_number += 1
    now = utcnow()
    round_ = SubmissionRound(stage_review_id=stage.id, number=stage.round_number, submitted_by_id=actor.id,
                             note=note, snapshot=snapshot, submitted_at=now)
    stage.rounds.append(round_)
    stage.submitted_at = now  # the queue's order (reviews.services.queue_query)
    stage.due_at = decision_due(stage.pipeline_stage, now)
    db.session.flush()
    record_event(actor, "stage.submitted" if action == Action.SUBMIT else "stage.resubmitted",
                 "stage_review", stage.id, before={"state": old.value},
                 after={"state": stage.state.value, "round": round_.number, "evidence": len(snapshot["evidence"]),
                        "submitted_at": iso(round_.submitted_at)})
    resubmission.carry_over(actor, stage, last, round_)
    return round_


# -- deciding ---------------------------------------------------------------------------------------------

def decide_if_quorum(actor: User, stage: StageReview) -> None:
    """After a signature: once the round's signers reach the quorum, decide the stage as their outcomes say
    (:func:`workflow.decision`), unless the transition's guard makes an approval wait for another signer
    (a non-chair, or the required expertise). A decision asks for the record (a job: a worker issues it after
    the commit), schedules the next periodic review and opens the following stage when this one passed."""
    stage = lock_stage(stage)  # as it is: the signature locked it; fresh from the database otherwise
    round_ = stage.current_round
    action = workflow.decision([s.outcome for s in round_.signoffs], stage.quorum)
    if action is None:
        return
    facts = dataclasses.replace(committee.approval_facts(stage, round_), missing_filings=filings_missing(stage))
    waits = workflow.refusal(stage.state, action, facts)
    if waits and not facts.missing_filings:  # separation of duties / expertise: stays in review for another signer
        log.info("stage %s: %s", stage.id, waits)
        return
    # a required filing missing is no wait but a refusal: apply raises IllegalTransition, nothing is decided
    old = workflow.apply(stage, action, facts)
    now = utcnow()
    round_.outcome = {Action.APPROVE: Outcome.APPROVE, Action.APPROVE_WITH_CONDITIONS: Outcome.APPROVE_WITH_CONDITIONS,
                      Action.REQUEST_CHANGES: Outcome.REQUEST_CHANGES, Action.REJECT: Outcome.REJECT}[action]
    round_.decided_at = now
    if stage.state.decided:
        stage.decided_at = now
    if action == Action.APPROVE_WITH_CONDITIONS:
        _create_conditions(stage, round_)
    if action == Action.REQUEST_CHANGES:
        resubmission.record_reopen_codes(stage, round_)
    else:
        stage.reopen_codes = None  # consumed by this round; a later reopening sets its own
    db.session.flush()
    record_event(actor, "stage.decided", "stage_review", stage.id, before={"state": old.value},
                 after={"state": stage.state.value, "round": round_.number,
                        "signers": [s.printed_name for s in round_.signoffs],
                        **({"reopened": stage.reopen_codes or "all"} if action == Action.REQUEST_CHANGES else {})})
    schedule_next_review(actor, stage)
    if stage.state.decided:
        request_record(actor, stage)
    if stage.passed and stage.code == RETIREMENT_STAGE:
        on_system_retired(actor, stage.project)  # the system is closed: nothing recurs or follows
    elif stage.passed:
        following = [s for s in stage.project.stages if s.position > stage.position]
        if following and following[0].state == StageState.LOCKED:
            open_stage(actor, following[0])
    if stage.state.decided:  # a rejection revokes the project's certificates; an approval may end a suspension
        certificate_status.refresh_project(actor, stage.project)


def _create_conditions(stage: StageReview, round_) -> None:
    """The conditions come into being with the decision, not with one reviewer's signature: until the quorum
    decides, a proposed condition is part of that reviewer's signed content only. Each is taken from the
    signed content, so it is exactly what its reviewer signed."""
    for signoff in round_.signoffs:
        if signoff.outcome != Outcome.APPROVE_WITH_CONDITIONS:
            continue
        for text, owner_id, due in json.loads(signoff.signed_content).get("conditions", []):
            stage.conditions.append(Condition(signoff_id=signoff.id, text=text, owner_id=owner_id,
                                              due_date=date.fromisoformat(due)))
    db.session.flush()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 -> 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def recurrence_months(stage: StageReview) -> int | None:
    """Months between reviews of this stage for its project's tier, or None when it does not recur.

    The pipeline stage's own recurrence ({tier: months}) wins; otherwise the rules file's, by code.
    """
    by_tier = stage.pipeline_stage.recurrence or load_rules().recurrence.get(stage.code) or {}
    months = by_tier.get(review_tier(stage.project.tier))
    return int(months) if months else None


def schedule_next_review(actor, stage: StageReview) -> None:
    """On a decision: a passed recurring stage gets its next review date (decision date + months); a retired
    system's stages recur no more."""
    retired = stage.project.retired_at is not None or (stage.code == RETIREMENT_STAGE and stage.passed)
    months = recurrence_months(stage) if stage.passed and stage.decided_at and not retired else None
    next_on = add_months(stage.decided_at.date(), months) if months else None
    if next_on == stage.next_review_on:
        return
    before = stage.next_review_on
    stage.next_review_on = next_on
    db.session.flush()
    record_event(actor, "stage.next_review_scheduled", "stage_review", stage.id,
                 before={"next_review_on": before.isoformat() if before else None},
                 after={"next_review_on": next_on.isoformat() if next_on else None, "months": months,
                        "tier": stage.project.tier})
    log.info("stage %s next review on %s", stage.id, next_on)


# -- reopening --------------------------------------------------------------------------------------------

def reopen_stage(actor, stage: StageReview, *, trigger: str, reason: str, codes: list[str] | None = None,
                 details: dict | None = None) -> bool:
    """Reopen a passed stage for re-review (back to draft); returns False when it is not passed.

    ``codes`` are the criterion codes to re-review (None: all of them); the next submission carries
    the other verdicts over (StageReview.reopen_codes, when the schema has it).
    """
    if stage.state not in PASSED_STATES:
        return False
    old = workflow.apply(stage, Action.REOPEN)
    stage.decided_at = None
    stage.reopen_codes = codes
    db.session.flush()
    record_event(actor, "stage.reopened", "stage_review", stage.id, before={"state": old.value},
                 after={"state": stage.state.value, "trigger": trigger, "reopen_codes": codes,
                        "project_id": stage.project_id, "stage": stage.name, **(details or {})},
                 reason=reason)
    log.info("stage %s reopened (%s): %s", stage.id, trigger, reason)
    certificate_status.refresh_project(actor, stage.project)  # a certified stage reopened suspends its certificate
    return True
