"""The system register through the API: a project's system versions with their artifacts (read, add),
its conditions (read, answer with evidence, close and reopen) and its incidents (read)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import load
from reviewboard.api.schemas import EvidenceFile, StrictSchema
from reviewboard.conditions import permissions as condition_perms
from reviewboard.conditions import services as conditions
from reviewboard.core.errors import ServiceError
from reviewboard.core.limits import LONG_TEXT
from reviewboard.extensions import db
from reviewboard.incidents import permissions as incident_perms
from reviewboard.incidents import services as incidents
from reviewboard.incidents.models import Incident
from reviewboard.projects.models import Project
from reviewboard.reviews.models import Condition
from reviewboard.systems import permissions as system_perms
from reviewboard.systems import services as systems
from reviewboard.systems.models import ARTIFACT_KINDS
from reviewboard.tokens.models import Scope


class ArtifactSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(ARTIFACT_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    digest = fields.String(required=True, validate=validate.Length(min=1, max=71),
                           metadata={"description": "sha256:<64 hex digits>"})


class VersionInput(StrictSchema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=80))
    release_notes = fields.String(load_default="", validate=validate.Length(max=LONG_TEXT))
    artifacts = fields.List(fields.Nested(ArtifactSchema), required=True, validate=validate.Length(max=200))


class VersionOut(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    release_notes = fields.String(required=True)
    material_change = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True, attribute="created_by.name")
    artifacts = fields.List(fields.Nested(ArtifactSchema), required=True)


class ConditionOut(Schema):
    id = fields.Integer(required=True)
    stage_id = fields.Integer(required=True, attribute="stage_review_id")
    project_id = fields.Integer(required=True, attribute="stage_review.project_id")
    text = fields.String(required=True)
    owner = fields.String(required=True, attribute="owner.name")
    due_date = fields.Date(required=True)
    status = fields.String(required=True, metadata={"description": "open, fulfilled or closed"})
    response = fields.String(allow_none=True)
    responded_at = fields.DateTime(allow_none=True)
    evidence_id = fields.Integer(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    closing_note = fields.String(allow_none=True)


class ConditionQuery(StrictSchema):
    include_closed = fields.Boolean(load_default=False)


class ConditionResponse(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=LONG_TEXT))
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "The code of the criterion the evidence supports"})


class ConditionDecision(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=LONG_TEXT),
                         metadata={"description": "Why it is met (or waived), or what is still missing"})


class IncidentOut(Schema):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    version_id = fields.Integer(allow_none=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    severity = fields.String(required=True)
    category = fields.String(allow_none=True)
    widespread = fields.Boolean(required=True)
    detected_on = fields.Date(required=True)
    affected_count = fields.Integer(allow_none=True)
    state = fields.Function(lambda incident: incident.state.value, required=True)
    reported_at = fields.DateTime(required=True)
    due_on = fields.Date(required=True)
    due_duty = fields.String(required=True)
    rules_version = fields.String(required=True)
    authority = fields.String(allow_none=True)
    authority_reference = fields.String(allow_none=True)
    authority_reported_on = fields.Date(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


@bp.get("/projects/<int:project_id>/versions")
@bp.doc(tags=["System register"], summary="The system's versions, newest first, with their artifacts by digest")
@bp.response(200, VersionOut(many=True))
@requires(Scope.READ, 404)
def list_versions(project_id: int):
    return systems.versions_of(load(Project, project_id, system_perms.can_view_versions))


@bp.post("/projects/<int:project_id>/versions")
@bp.doc(tags=["System register"], summary="Register a new system version with its artifacts (a build job)")
@bp.arguments(VersionInput)
@bp.response(201, VersionOut)
@requires(Scope.SUBMIT, 404, 422)
def add_version(data: dict, project_id: int):
    project = load(Project, project_id, system_perms.can_view_versions)
    version = systems.add_version(api_user(), project, data["label"], data["release_notes"], data["artifacts"])
    return version, 201


@bp.get("/conditions")
@bp.doc(tags=["Conditions"], summary="Conditions you follow, overdue (earliest due) first (the first 200)")
@bp.arguments(ConditionQuery, location="query", as_kwargs=True)
@bp.response(200, ConditionOut(many=True))
@requires(Scope.READ, 422)
def list_conditions(include_closed: bool = False):
    return list(db.session.scalars(conditions.visible_query(api_user(), include_closed=include_closed).limit(200))
                .unique())


@bp.get("/conditions/<int:condition_id>")
@bp.doc(tags=["Conditions"], summary="A condition of an approval")
@bp.response(200, ConditionOut)
@requires(Scope.READ, 404)
def get_condition(condition_id: int):
    return load(Condition, condition_id, condition_perms.can_view_condition)


@bp.post("/conditions/<int:condition_id>/response")
@bp.doc(tags=["Conditions"], summary="Answer a condition with a note and an evidence file (it becomes fulfilled)")
@bp.arguments(ConditionResponse, location="form")
@bp.arguments(EvidenceFile, location="files")
@bp.response(200, ConditionOut)
@requires(Scope.SUBMIT, 404, 409, 413, 422)
def respond_condition(form: dict, files: dict, condition_id: int):
    condition = load(Condition, condition_id, condition_perms.can_view_condition)
    criterion = next((c for c in condition.stage_review.applicable_criteria() if c.code == form["criterion"].strip()),
                     None)
    if criterion is None:
        raise ServiceError("Choose one of the stage's criteria (GET the stage for their codes).", "criterion")
    upload = files["file"]
    if not hasattr(upload, "read"):
        raise ServiceError("Send the file as a multipart part named file.", "file")
    return conditions.respond(api_user(), condition, form["note"], criterion.id, upload.filename or "", upload.read())


@bp.post("/conditions/<int:condition_id>/close")
@bp.doc(tags=["Conditions"], summary="Accept a condition as met (or waived): it becomes closed and no longer blocks",
        description="A reviewer of the stage or a chair, independent of the project (as on the condition page). "
                    "Closing a closed condition is a 409.")
@bp.arguments(ConditionDecision)
@bp.response(200, ConditionOut)
@requires(Scope.SUBMIT, 404, 409, 422)
def close_condition(data: dict, condition_id: int):
    condition = load(Condition, condition_id, condition_perms.can_view_condition)
    return conditions.close(api_user(), condition, data["note"])


@bp.post("/conditions/<int:condition_id>/reopen")
@bp.doc(tags=["Conditions"], summary="Send a fulfilled or closed condition back to its owner: it becomes open",
        description="A reviewer of the stage or a chair, independent of the project (as on the condition page). "
                    "Reopening an open condition is a 409.")
@bp.arguments(ConditionDecision)
@bp.response(200, ConditionOut)
@requires(Scope.SUBMIT, 404, 409, 422)
def reopen_condition(data: dict, condition_id: int):
    condition = load(Condition, condition_id, condition_perms.can_view_condition)
    return conditions.reopen(api_user(), condition, data["note"])


@bp.get("/projects/<int:project_id>/incidents")
@bp.doc(tags=["Incidents"], summary="The incidents reported on a project's system")
@bp.response(200, IncidentOut(many=True))
@requires(Scope.READ, 404)
def list_incidents(project_id: int):
    return incidents.project_incidents(load(Project, project_id, incident_perms.can_view_incidents))


@bp.get("/incidents/<int:incident_id>")
@bp.doc(tags=["Incidents"], summary="An incident: what happened, its deadline, authority report and closure")
@bp.response(200, IncidentOut)
@requires(Scope.READ, 404)
def get_incident(incident_id: int):
    return load(Incident, incident_id, incident_perms.can_view_incident)
