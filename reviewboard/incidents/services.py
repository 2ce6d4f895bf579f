"""Incidents: reporting one (with evidence files), assessing, recording the report to the authority, closing;
what a serious incident does (the rules' ``serious_incident``: reopen the named stages; the certificate's
suspension is read from :mod:`reviewboard.incidents.suspension`); and the register's queries.

Services take the acting user, check permission and rules, flush and write an audit event per change; the
request or CLI command commits. Rule problems are ServiceErrors naming the form field they belong beside.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import contains_eager, joinedload, load_only

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.certificates import status as certificate_status
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.core.errors_web import size_label
from reviewboard.core.limits import LONG_TEXT, SHORT_TEXT
from reviewboard.extensions import db
from reviewboard.incidents import permissions as perms
from reviewboard.incidents import workflow
from reviewboard.incidents.models import Incident, IncidentEvidence
from reviewboard.incidents.rules import load_rules
from reviewboard.incidents.suspension import open_serious_incidents  # noqa: F401  (re-exported)
from reviewboard.incidents.workflow import OPEN_STATES, Facts, IllegalTransition, IncidentAction, IncidentState
from reviewboard.models.base import iso, utcnow
from reviewboard.projects.models import Project
from reviewboard.projects.uploads import file_columns
from reviewboard.reviews.lifecycle import reopen_stage
from reviewboard.systems.models import SystemVersion
from reviewboard.systems.services import versions_of

log = logging.getLogger("reviewboard.incidents")

MAX_AFFECTED = 10**12  # more people than live on Earth: a typing mistake


def today() -> date:
    return utcnow().date()


@dataclass(frozen=True)
class Report:
    """What a reporter says about an incident (checked by :func:`report_incident`)."""
    title: str
    description: str
    severity: str
    detected_on: date | None
    category: str | None = None
    widespread: bool = False
    affected_count: int | None = None
    affected_description: str = ""
    version_id: int | None = None  # the system version it happened on (required once the system has versions)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _state(incident: Incident) -> dict:
    return {"state": IncidentState(incident.state).value, "severity": incident.severity,
            "category": incident.category, "widespread": incident.widespread, "due_on": incident.due_on.isoformat(),
            "due_rule": incident.due_rule, "due_duty": incident.due_duty}


def _text(value: str | None, field: str, message: str, limit: int = LONG_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(message, field)
    if len(value) > limit:
        raise ServiceError(_("Field cannot be longer than %(num)d characters.", num=limit), field)
    return value


def _classify(severity: str | None, category: str | None, widespread: bool) -> tuple[str, str | None]:
    """Check severity and category against the rules; a serious incident needs its category."""
    rules = load_rules()
    if rules.severity(severity or "") is None:
        raise ServiceError(_("Choose one of the severities listed."), "severity")
    if rules.is_serious(severity):
        if rules.category(category) is None:
            raise ServiceError(_("Say what the serious incident led to."), "category")
        return severity, category
    if category and rules.category(category) is None:
        raise ServiceError(_("Choose one of the consequences listed."), "category")
    return severity, category or None


def _version(project: Project, version_id: int | None) -> SystemVersion | None:
    """The version the incident happened on: one of the project's; required once the project has any."""
    versions = versions_of(project)
    if not versions:
        if version_id is not None:
            raise ServiceError(_("This system has no versions yet."), "version_id")
        return None
    found = next((v for v in versions if v.id == version_id), None)
    if found is None:
        raise ServiceError(_("Choose the version of the system the incident happened on."), "version_id")
    return found


def _set_deadline(incident: Incident) -> None:
    rules = load_rules()
    deadline = rules.deadline(incident.severity, incident.category, incident.widespread, incident.detected_on)
    if deadline is None:  # parse_rules refuses a severity without a deadline rule; guard a hand-built one
        raise ServiceError(_("The incident rules give this severity no deadline."), "severity")
    incident.rules_version, incident.due_rule = rules.version, deadline.rule.id
    incident.due_duty, incident.due_on = deadline.rule.duty, deadline.due_on


def _check_uploads(uploads: list[Upload]) -> list[dict]:
    """Every file checked before anything is stored: one bad file refuses the whole report."""
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    checked = []
    for upload in uploads:
        if len(upload.data) > limit:
            raise ServiceError(_("%(file)s is larger than %(limit)s, the limit for evidence files.",
                                 file=upload.filename or _("The file"), limit=size_label(limit)), "files")
        try:
            checked.append(file_columns(upload.filename, upload.data))
        except ServiceError as exc:
            raise ServiceError(exc.message, "files") from exc
    return checked


def _attach(actor: User, incident: Incident, columns: dict) -> IncidentEvidence:
    evidence = IncidentEvidence(**columns, uploaded_by_id=actor.id)
    incident.evidence.append(evidence)
    db.session.flush()
    record_event(actor, "incident.evidence_added", "incident", incident.id,
                 after={"evidence_id": evidence.id, "filename": evidence.filename, "sha256": evidence.sha256,
                        "size": evidence.size, "project_id": incident.project_id})
    return evidence


def report_incident(actor: User, project: Project, report: Report, uploads: list[Upload] = ()) -> Incident:
    """Record an incident against the project's system, with its deadline from the incident rules and its
    evidence files. A serious incident reopens the stages the rules name. Raises NotPermitted, or
    ServiceError naming the field at fault (nothing is stored then)."""
    if not perms.can_report_incident(actor, project):
        raise NotPermitted(_("Only the project's team and the chairs can report an incident on it."))
    title = _text(report.title, "title", "Give the incident a short title.", SHORT_TEXT)
    description = _text(report.description, "description", "Say what happened.")
    severity, category = _classify(report.severity, report.category, report.widespread)
    if report.detected_on is None:
        raise ServiceError(_("Give the day the incident was detected."), "detected_on")
    if report.detected_on > today():
        raise ServiceError(_("The detection date cannot be in the future."), "detected_on")
    if report.affected_count is not None and not 0 <= report.affected_count <= MAX_AFFECTED:
        raise ServiceError(_("Give the number of people affected as a whole number, 0 or more."), "affected_count")
    affected = (report.affected_description or "").strip()
    if len(affected) > LONG_TEXT:
        raise ServiceError(_("Field cannot be longer than %(num)d characters.", num=LONG_TEXT), "affected_description")
    version = _version(project, report.version_id)
    files = _check_uploads(list(uploads))
    incident = Incident(project_id=project.id, version_id=version.id if version else None, title=title,
                        description=description, severity=severity,
                        category=category, widespread=bool(report.widespread), detected_on=report.detected_on,
                        affected_count=report.affected_count, affected_description=affected,
                        state=IncidentState.REPORTED, reported_by_id=actor.id)
    _set_deadline(incident)
    db.session.add(incident)
    db.session.flush()
    record_event(actor, "incident.reported", "incident", incident.id,
                 after={**_state(incident), "project_id": project.id, "title": title,
                        "version": version.label if version else None,
                        "detected_on": incident.detected_on.isoformat(), "affected_count": incident.affected_count,
                        "rules_version": incident.rules_version, "serious": is_serious(incident)})
    for columns in files:
        _attach(actor, incident, columns)
    log.info("incident %s reported on project %s (%s) by %s", incident.id, project.id, severity, actor.id)
    if is_serious(incident):
        apply_serious_effects(actor, incident)
    certificate_status.refresh_project(actor, project)  # an open serious incident suspends the certificates
    return incident


def is_serious(incident: Incident) -> bool:
    return load_rules().is_serious(incident.severity)


def apply_serious_effects(actor, incident: Incident) -> list:
    """What the rules say a serious incident does to the system's reviews: the passed stages they name go
    back to draft for re-review (trigger "incident"). Returns the stages reopened."""
    codes = load_rules().reopens
    reopened = []
    for stage in incident.project.stages:
        if stage.code in codes and reopen_stage(
                actor, stage, trigger="incident",
                reason=f"Serious incident {incident.id} reported: {incident.title}",
                details={"incident_id": incident.id, "severity": incident.severity}):
            reopened.append(stage)
    return reopened


def _lock(incident: Incident) -> Incident:
    """Take the row lock (PostgreSQL; SQLite already serialises writers) so two decisions cannot both apply."""
    db.session.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    db.session.refresh(incident)
    return incident


def _apply(incident: Incident, action: IncidentAction) -> IncidentState:
    """The transition, or Conflict (409) when the incident is no longer where the form found it."""
    facts = Facts(authority_report_due=is_serious(incident) and incident.authority_reference is None)
    try:
        return workflow.apply(incident, action, facts)
    except IllegalTransition as exc:
        raise Conflict(f"This incident is {IncidentState(incident.state).label.lower()} now: {exc.reason}. "
                       "Nothing was saved.") from exc


def assess(actor: User, incident: Incident, note: str, severity: str, category: str | None,
           widespread: bool) -> Incident:
    """A chair independent of the project takes the incident up -> under assessment, confirming or changing its
    classification (a change sets the deadline again; becoming serious reopens the stages the rules name)."""
    incident = _lock(incident)
    if not perms.can_assess(actor, incident):
        raise NotPermitted(_("Only a chair independent of the project can assess an incident."))
    note = _text(note, "note", "Say what the assessment found so far.")
    severity, category = _classify(severity, category, widespread)
    was_serious, before = is_serious(incident), _state(incident)
    old = _apply(incident, IncidentAction.ASSESS)
    incident.severity, incident.category, incident.widespread = severity, category, bool(widespread)
    _set_deadline(incident)
    incident.assessed_by_id, incident.assessed_at, incident.assessment_note = actor.id, utcnow(), note
    db.session.flush()
    record_event(actor, "incident.assessed", "incident", incident.id, before={**before, "state": old.value},
                 after={**_state(incident), "reclassified": before["severity"] != severity
                        or before["category"] != category, "serious": is_serious(incident)}, reason=note)
    log.info("incident %s under assessment by %s", incident.id, actor.id)
    if is_serious(incident) and not was_serious:
        apply_serious_effects(actor, incident)
    certificate_status.refresh_project(actor, incident.project)  # found serious (or no longer serious)
    return incident


def record_authority_report(actor: User, incident: Incident, authority: str, reference: str,
                            reported_on: date | None) -> Incident:
    """The report to the authority was made: which authority, its reference and the day -> reported to the
    authority. The day cannot be in the future nor before the incident was detected."""
    incident = _lock(incident)
    if not perms.can_record_authority_report(actor, incident):
        raise NotPermitted(_("Only the project's team and the chairs can record the report to the authority."))
    authority = _text(authority, "authority", "Name the authority the incident was reported to.", SHORT_TEXT)
    reference = _text(reference, "reference", "Give the reference the authority gave the report.", SHORT_TEXT)
    if reported_on is None:
        raise ServiceError(_("Give the day the incident was reported."), "reported_on")
    if reported_on > today():
        raise ServiceError(_("The day of the report cannot be in the future."), "reported_on")
    if reported_on < incident.detected_on:
        raise ServiceError(_("The report cannot come before the incident was detected (%(on)s).",
                             on=incident.detected_on.isoformat()), "reported_on")
    before = _state(incident)
    old = _apply(incident, IncidentAction.REPORT_TO_AUTHORITY)
    incident.authority, incident.authority_reference, incident.authority_reported_on = authority, reference, reported_on
    incident.authority_recorded_by_id = actor.id
    db.session.flush()
    record_event(actor, "incident.reported_to_authority", "incident", incident.id,
                 before={**before, "state": old.value},
                 after={**_state(incident), "authority": authority, "reference": reference,
                        "reported_on": reported_on.isoformat(), "on_time": reported_on <= incident.due_on
                        if incident.due_duty == "report" else None})
    log.info("incident %s reported to %s (%s)", incident.id, authority, reference)
    return incident


def close(actor: User, incident: Incident, resolution: str) -> Incident:
    """A chair independent of the project closes the incident with its resolution -> closed. A serious incident
    is reported to the authority first (Conflict otherwise). Closing lifts what the open incident held."""
    incident = _lock(incident)
    if not perms.can_close(actor, incident):
        raise NotPermitted(_("Only a chair independent of the project can close an incident."))
    resolution = _text(resolution, "resolution", "Say how the incident was resolved.")
    before = _state(incident)
    old = _apply(incident, IncidentAction.CLOSE)
    incident.closed_by_id, incident.closed_at, incident.resolution = actor.id, utcnow(), resolution
    db.session.flush()
    record_event(actor, "incident.closed", "incident", incident.id, before={**before, "state": old.value},
                 after={**_state(incident), "closed_at": iso(incident.closed_at), "serious": is_serious(incident)},
                 reason=resolution)
    log.info("incident %s closed by %s", incident.id, actor.id)
    certificate_status.refresh_project(actor, incident.project)  # no longer a cause of suspension
    return incident


def add_evidence(actor: User, incident: Incident, uploads: list[Upload]) -> list[IncidentEvidence]:
    incident = _lock(incident)
    if not incident.open and perms.can_report_incident(actor, incident.project):
        raise Conflict(_("This incident is closed; nothing was saved."))
    if not perms.can_add_evidence(actor, incident):
        raise NotPermitted(_("Only the project's team and the chairs can add evidence to an incident."))
    if not uploads:
        raise ServiceError(_("Choose a file to upload."), "files")
    return [_attach(actor, incident, columns) for columns in _check_uploads(uploads)]


# ------------------------------------------------------------------------------------------------- queries

def project_incidents(project: Project) -> list[Incident]:
    """The project's incidents, open ones first, soonest due first; then the closed ones, latest first."""
    rows = db.session.scalars(select(Incident).where(Incident.project_id == project.id)
                              .order_by(Incident.id.desc())).all()
    return sorted(rows, key=lambda i: (not i.open, i.due_on if i.open else date.max, -i.id))


@dataclass(frozen=True)
class RegisterFilter:
    status: str = "open"  # open | closed | all
    severity: str = ""  # a severity id, or "" for any
    overdue: bool = False
    search: str = ""  # in the incident's title or the project's name


def register_query(filters: RegisterFilter, on: date | None = None):
    """Incidents for the register (chairs and auditors), open ones soonest due first."""
    stmt = select(Incident).join(Project, Incident.project_id == Project.id)
    if filters.status == "open":
        stmt = stmt.where(Incident.state.in_(OPEN_STATES))
    elif filters.status == "closed":
        stmt = stmt.where(Incident.state == IncidentState.CLOSED)
    if filters.severity:
        stmt = stmt.where(Incident.severity == filters.severity)
    if filters.overdue:
        day = on or today()
        report_due = and_(Incident.due_duty == "report", Incident.authority_reference.is_(None))
        close_due = and_(Incident.due_duty == "close", Incident.state.in_(OPEN_STATES))
        stmt = stmt.where(Incident.due_on < day, or_(report_due, close_due))
    if filters.search:
        like = f"%{filters.search.lower()}%"
        stmt = stmt.where(or_(Incident.title.ilike(like), Project.name.ilike(like)))
    stmt = stmt.options(joinedload(Incident.project), joinedload(Incident.reported_by), joinedload(Incident.version))
    if filters.status == "closed":
        return stmt.order_by(Incident.closed_at.desc(), Incident.id.desc())
    return stmt.order_by(Incident.due_on, Incident.id)


def dashboard_incidents(user, limit: int = 5) -> list[Incident]:
    """The register's first open incidents (its default filter and order), with only what the dashboard's card shows
    of them and of their project: no descriptions, reporter, version or project texts."""
    return list(db.session.scalars(_dashboard_incidents(), {"limit": limit}))


@cache
def _dashboard_incidents():  # built once a process (the same for every reader): building it cost more than reading it
    return (select(Incident).join(Project, Incident.project_id == Project.id).where(Incident.state.in_(OPEN_STATES))
            .options(load_only(Incident.id, Incident.project_id, Incident.title, Incident.severity, Incident.state,
                               Incident.due_duty, Incident.due_on, Incident.authority_reference),
                     contains_eager(Incident.project).load_only(Project.id, Project.name).lazyload(Project.members))
            .order_by(Incident.due_on, Incident.id).limit(bindparam("limit")))


def next_step(incident: Incident) -> tuple[str, str] | None:
    return workflow.next_step(IncidentState(incident.state), is_serious(incident),
                              incident.authority_reference is not None)


HISTORY_VERBS = {"incident.reported": _l("reported the incident"), "incident.assessed": _l("started the assessment"),
                 "incident.reported_to_authority": _l("recorded the report to the authority"),
                 "incident.closed": _l("closed the incident"), "incident.evidence_added": _l("added evidence")}


def history(incident: Incident) -> list[dict]:
    """The incident's audit events, oldest first: when, who, what and the note they gave."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "incident",
                                                         AuditEvent.object_id == str(incident.id))
                                .order_by(AuditEvent.seq))
    out = []
    for e in events:
        payload = json.loads(e.payload)
        after = payload.get("after") or {}
        detail = after.get("filename") if e.action == "incident.evidence_added" else payload.get("reason")
        out.append({"at": e.created_at, "actor": e.actor_name, "verb": HISTORY_VERBS.get(e.action, e.action),
                    "note": detail or ""})
    return out
