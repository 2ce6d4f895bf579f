"""Registering projects, editing them, attaching evidence and submitting stages for review."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy.orm import joinedload, selectinload

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.catalogs.models import Criterion
from reviewboard.conditions.services import has_overdue_before
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.pipelines.models import Pipeline
from reviewboard.pipelines.services import decision_due
from reviewboard.projects import permissions as perms
from reviewboard.projects.models import Evidence, Project
from reviewboard.projects.tiering import assess, review_tier
from reviewboard.projects.uploads import store_evidence
from reviewboard.rereview.services import after_project_change
from reviewboard.reviews import resubmission, workflow
from reviewboard.reviews.models import StageReview, SubmissionRound
from reviewboard.reviews.workflow import Action, Facts, StageState

log = logging.getLogger("reviewboard.projects")

PROJECT_FIELDS = ("name", "purpose", "intended_users", "scenario", "model", "system_type", "data_categories",
                  "deployment_context", "autonomy_level", "scale")
QUESTIONNAIRE_FIELDS = ("system_type", "data_categories", "deployment_context", "autonomy_level", "scale")


def project_state(project: Project) -> dict:
    """The project as submitted and audited. An empty "model" is left out, so that rounds submitted before
    the field existed compare equal to the same project now."""
    state = {**{f: getattr(project, f) for f in PROJECT_FIELDS}, "answers": dict(project.answers),
             "tier": project.tier}
    if not state["model"]:
        del state["model"]
    return state


def _answers(fields: dict, answers: dict) -> dict:
    merged = {k: fields[k] for k in QUESTIONNAIRE_FIELDS}
    merged.update(answers)
    return merged


def create_project(actor: User, pipeline: Pipeline, fields: dict, answers: dict) -> Project:
    if not perms.can_create_project(actor):
        raise NotPermitted("Only submitters can register projects.")
    all_answers = _answers(fields, answers)
    tier, reasons = assess(all_answers)
    fields = {"model": "", **fields}  # the one optional field
    project = Project(**{f: fields[f] for f in PROJECT_FIELDS}, answers=all_answers, tier=tier,
                      tier_reasons=reasons, owner_id=actor.id, pipeline_id=pipeline.id)
    db.session.add(project)
    db.session.flush()
    stages = [s for s in pipeline.stages if s.applies_to_tier(review_tier(tier))]  # retired stages: skipped
    for s in stages:
        db.session.add(StageReview(project_id=project.id, pipeline_stage_id=s.id, position=s.position,
                                   catalog_id=pipeline.catalog_id, quorum=s.quorum, state=StageState.LOCKED))
    db.session.flush()
    db.session.refresh(project)
    record_event(actor, "project.created", "project", project.id, after=project_state(project))
    if project.stages:
        open_stage(actor, project.stages[0])
    log.debug("project %s created by %s with tier %s", project.id, actor.id, tier)
    return project


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


def update_project(actor: User, project: Project, fields: dict, answers: dict, expected_version: int) -> Project:
    if not perms.can_edit_project(actor, project):
        raise NotPermitted("This project cannot be edited now: its current stage is not with the submitter.")
    if project.version != expected_version:
        raise Conflict("Someone else changed this project while you were editing it.")
    before = project_state(project)
    fields = {"model": project.model, **fields}  # the one optional field: kept when not given
    for f in PROJECT_FIELDS:
        setattr(project, f, fields[f])
    project.answers = _answers(fields, answers)
    project.tier, project.tier_reasons = assess(project.answers)
    project.updated_at = utcnow()
    after = project_state(project)
    if before == after:
        return project
    db.session.flush()
    changed = [k for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)]
    record_event(actor, "project.updated", "project", project.id,
                 before={k: before.get(k) for k in changed}, after={k: after.get(k) for k in changed})
    after_project_change(actor, project, changed)
    return project


def add_evidence(actor: User, stage: StageReview, criterion_id: int, filename: str, data: bytes,
                 expires_on: date | None = None) -> Evidence:
    """Attach a file; ``expires_on`` (optional, in the future) reopens its criterion when it passes."""
    if not perms.can_manage_evidence(actor, stage):
        raise NotPermitted("Evidence can be attached only while the stage is with the submitter.")
    if expires_on is not None and expires_on <= utcnow().date():
        raise ServiceError("An expiry date must be in the future.", "expires_on")
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion not in stage.applicable_criteria():
        raise ServiceError("Choose one of this stage's criteria.", "criterion_id")
    return store_evidence(actor, stage, criterion, filename, data,
                          audit={"expires_on": expires_on.isoformat()} if expires_on else None,
                          expires_on=expires_on)


def withdraw_evidence(actor: User, evidence: Evidence) -> None:
    if not perms.can_manage_evidence(actor, evidence.stage_review):
        raise NotPermitted("Evidence can be withdrawn only while the stage is with the submitter.")
    if evidence.withdrawn:
        return
    evidence.withdrawn = True
    db.session.flush()
    record_event(actor, "evidence.withdrawn", "evidence", evidence.id, before={"withdrawn": False},
                 after={"withdrawn": True, "sha256": evidence.sha256})


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
    if not perms.can_submit_stage(actor, stage):
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
                  overdue_conditions=has_overdue_before(stage))
    old = workflow.apply(stage, action, facts)
    stage.round_number += 1
    round_ = SubmissionRound(stage_review_id=stage.id, number=stage.round_number, submitted_by_id=actor.id,
                             note=note, snapshot=snapshot)
    stage.rounds.append(round_)
    stage.due_at = decision_due(stage.pipeline_stage, utcnow())
    db.session.flush()
    record_event(actor, "stage.submitted" if action == Action.SUBMIT else "stage.resubmitted",
                 "stage_review", stage.id, before={"state": old.value},
                 after={"state": stage.state.value, "round": round_.number, "evidence": len(snapshot["evidence"]),
                        "submitted_at": iso(round_.submitted_at)})
    resubmission.carry_over(actor, stage, last, round_)
    return round_


def clear_escalation(actor: User, project: Project, note: str, tier: str) -> None:
    if not perms.can_clear_escalation(actor, project):
        raise NotPermitted("Only a chair who is not a member of the project can clear an escalation.")
    if tier not in ("low", "medium", "high"):
        raise ServiceError("Choose the tier the project continues under.", "tier")
    if not note.strip():
        raise ServiceError("Give the reason for letting the project proceed.", "note")
    before = {"tier": project.tier}
    project.escalation_cleared_by_id = actor.id
    project.escalation_note = note.strip()
    project.tier = tier
    db.session.flush()
    record_event(actor, "project.escalation_cleared", "project", project.id, before=before,
                 after={"tier": tier}, reason=note.strip())


def listed(stmt):
    """A project list's loads in a few statements per page: owner, stages and their pipeline stages (the
    current stage, its state and the next review date are read from them)."""
    return stmt.options(joinedload(Project.owner),
                        selectinload(Project.stages).joinedload(StageReview.pipeline_stage))
