"""Registering projects, editing them and attaching evidence (stages open and are submitted in
:mod:`reviewboard.reviews.lifecycle`)."""

from __future__ import annotations

import logging
import math
from datetime import date
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, load_only, raiseload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.catalogs.models import Criterion
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.pipelines.models import Pipeline
from reviewboard.projects import permissions as perms
from reviewboard.projects.models import FACT_FIELDS, PROJECT_FIELDS, Evidence, Project, ProjectMember, project_state
from reviewboard.projects.tiering import assess, review_tier
from reviewboard.projects.uploads import store_evidence
from reviewboard.records.models import Record
from reviewboard.registration.rules import ruleset as registration_rules
from reviewboard.registration.services import evaluate_duties
from reviewboard.rereview.services import after_project_change
from reviewboard.reviews.lifecycle import open_stage
from reviewboard.reviews.models import Condition, StageReview, stage_summary
from reviewboard.reviews.workflow import StageState

log = logging.getLogger("reviewboard.projects")

QUESTIONNAIRE_FIELDS = ("system_type", "data_categories", "deployment_context", "autonomy_level", "scale")


def _answers(fields: dict, answers: dict) -> dict:
    merged = {k: fields[k] for k in QUESTIONNAIRE_FIELDS}
    merged.update(answers)
    return merged


def _check_facts(fields: dict) -> None:
    """The registration facts given (each optional): a known sector, yes/no, whole numbers >= 0."""
    sector = fields.get("sector")
    if sector is not None and sector not in registration_rules().sectors:
        raise ServiceError(_("Choose one of the listed sectors."), "sector")
    for name in ("user_count", "parameter_count", "training_flop"):
        value = fields.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                  or not math.isfinite(value) or value < 0):
            raise ServiceError(_("Give a number of zero or more."), name)
        if value is not None and name != "training_flop" and value >= 2**63:  # a BIGINT column
            raise ServiceError(_("This number is too large to be a count; check it."), name)
    for name in ("public_service", "generative_public"):
        if fields.get(name) not in (None, True, False):
            raise ServiceError(_("Answer yes or no."), name)


def create_project(actor: User, pipeline: Pipeline, fields: dict, answers: dict) -> Project:
    """Register a project, open its first stage and judge its registration duties (the facts in ``fields``
    are optional: FACT_FIELDS). Raises NotPermitted or ServiceError naming the field."""
    if not perms.can_create_project(actor):
        raise NotPermitted(_("Only submitters can register projects."))
    _check_facts(fields)
    all_answers = _answers(fields, answers)
    tier, reasons = assess(all_answers)
    fields = {"model": "", **fields}  # the one optional field
    project = Project(**{f: fields[f] for f in PROJECT_FIELDS}, **{f: fields.get(f) for f in FACT_FIELDS},
                      answers=all_answers, tier=tier, tier_reasons=reasons, owner_id=actor.id,
                      pipeline_id=pipeline.id)
    db.session.add(project)
    db.session.flush()
    db.session.add(ProjectMember(project_id=project.id, user_id=actor.id, role="owner"))  # reviewboard/teams
    stages = [s for s in pipeline.stages if s.applies_to_tier(review_tier(tier))]  # retired stages: skipped
    for s in stages:
        db.session.add(StageReview(project_id=project.id, pipeline_stage_id=s.id, position=s.position,
                                   catalog_id=pipeline.catalog_id, quorum=s.quorum, state=StageState.LOCKED))
    db.session.flush()
    db.session.refresh(project)
    record_event(actor, "project.created", "project", project.id, after=project_state(project))
    evaluate_duties(actor, project)
    if project.stages:
        open_stage(actor, project.stages[0])
    log.debug("project %s created by %s with tier %s", project.id, actor.id, tier)
    return project


def update_project(actor: User, project: Project, fields: dict, answers: dict, expected_version: int) -> Project:
    if not perms.can_edit_project(actor, project):
        raise NotPermitted(_("This project cannot be edited now: its current stage is not with the submitter."))
    if project.version != expected_version:
        raise Conflict(_("Someone else changed this project while you were editing it."))
    _check_facts(fields)
    before = project_state(project)
    fields = {"model": project.model, **fields}  # the one optional field: kept when not given
    for f in PROJECT_FIELDS:
        setattr(project, f, fields[f])
    for f in FACT_FIELDS:  # registration facts: kept when not given
        if f in fields:
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
    evaluate_duties(actor, project)
    after_project_change(actor, project, changed)
    return project


def add_evidence(actor: User, stage: StageReview, criterion_id: int, filename: str, data: bytes,
                 expires_on: date | None = None) -> Evidence:
    """Attach a file; ``expires_on`` (optional, in the future) reopens its criterion when it passes."""
    if not perms.can_manage_evidence(actor, stage):
        raise NotPermitted(_("Evidence can be attached only while the stage is with the submitter."))
    if expires_on is not None and expires_on <= utcnow().date():
        raise ServiceError(_("An expiry date must be in the future."), "expires_on")
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion not in stage.applicable_criteria():
        raise ServiceError(_("Choose one of this stage's criteria."), "criterion_id")
    return store_evidence(actor, stage, criterion, filename, data,
                          audit={"expires_on": expires_on.isoformat()} if expires_on else None,
                          expires_on=expires_on)


def withdraw_evidence(actor: User, evidence: Evidence) -> None:
    if not perms.can_manage_evidence(actor, evidence.stage_review):
        raise NotPermitted(_("Evidence can be withdrawn only while the stage is with the submitter."))
    if evidence.withdrawn:
        return
    evidence.withdrawn = True
    db.session.flush()
    record_event(actor, "evidence.withdrawn", "evidence", evidence.id, before={"withdrawn": False},
                 after={"withdrawn": True, "sha256": evidence.sha256})


def clear_escalation(actor: User, project: Project, note: str, tier: str) -> None:
    if not perms.can_clear_escalation(actor, project):
        raise NotPermitted(_("Only a chair who is not a member of the project can clear an escalation."))
    if tier not in ("low", "medium", "high"):
        raise ServiceError(_("Choose the tier the project continues under."), "tier")
    if not note.strip():
        raise ServiceError(_("Give the reason for letting the project proceed."), "note")
    before = {"tier": project.tier}
    project.escalation_cleared_by_id = actor.id
    project.escalation_note = note.strip()
    project.tier = tier
    db.session.flush()
    record_event(actor, "project.escalation_cleared", "project", project.id, before=before,
                 after={"tier": tier}, reason=note.strip())


def listed(stmt, *, members: bool = False):
    """A project list's loads in a few statements per page: owner, stages and their pipeline stages (the
    current stage, its state and the next review date are read from them). Only the columns a list shows
    are read: the long texts (purpose, scenario, answers...) stay in the table, and so do the stages' JSON
    columns. ``members``: the list also reads each project's team (the dashboard's "your projects")."""
    stmt = stmt.options(load_only(Project.id, Project.name, Project.tier, Project.owner_id, Project.updated_at,
                                  Project.version, Project.pipeline_id, Project.retired_at),
                        joinedload(Project.owner),  # a list shows the owner's name
                        stage_summary(selectinload(Project.stages)))
    return stmt if members else stmt.options(lazyload(Project.members))


def list_columns(stmt):
    """A projects list page read as the list shows it: the project's own columns and its owner's name, and nothing
    else, ever (a column or relationship not read here raises instead of costing a statement per row); the stages
    are read for the whole page by projects.summaries."""
    return stmt.options(load_only(Project.id, Project.name, Project.tier, Project.owner_id, Project.updated_at,
                                  raiseload=True),
                        joinedload(Project.owner).load_only(User.id, User.name, raiseload=True), raiseload("*"))


@cache
def page_options() -> tuple:
    """What the project page reads of a project's relationships, loaded with it rather than one statement each:
    its owner's name, its pipeline's name and version (not the pipeline's stages or catalog), its team with each
    member's name, all in the project's own statement (a team is a few rows). Made once: loader options are
    immutable, and making them costs some 800 calls a page."""
    return (joinedload(Project.owner).load_only(User.id, User.name),
            joinedload(Project.pipeline).options(lazyload(Pipeline.stages), lazyload(Pipeline.catalog)),
            joinedload(Project.members).joinedload(ProjectMember.user).load_only(User.id, User.name, User.active))


def load_stage_outcomes(project: Project) -> None:
    """The project page shows each stage's latest record and its conditions: both read for every stage in two
    statements, not two per stage (the stages' ``records`` and ``conditions``, in their relationships' order)."""
    stages = [s for s in project.stages if "records" not in s.__dict__ or "conditions" not in s.__dict__]
    if not stages:
        return
    ids = [s.id for s in stages]
    records: dict[int, list] = {i: [] for i in ids}
    for record in db.session.scalars(select(Record).where(Record.stage_review_id.in_(ids))
                                     .order_by(Record.version, Record.id)):
        records[record.stage_review_id].append(record)
    conditions: dict[int, list] = {i: [] for i in ids}
    for condition in db.session.scalars(select(Condition).where(Condition.stage_review_id.in_(ids))
                                        .order_by(Condition.id)):
        conditions[condition.stage_review_id].append(condition)
    for stage in stages:
        set_committed_value(stage, "records", records[stage.id])
        set_committed_value(stage, "conditions", conditions[stage.id])
