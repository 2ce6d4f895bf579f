"""Projects: list (filters, cursor), register, read (ETag), update (If-Match), tier with its reasons."""

from __future__ import annotations

from flask import request

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import decode_cursor, load, page
from reviewboard.api.problems import problem
from reviewboard.api.schemas import ProjectCreate, ProjectDetail, ProjectInput, ProjectPage, ProjectQuery, TierAnswer
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.pipelines.services import active_pipelines
from reviewboard.projects import permissions as perms
from reviewboard.projects import services
from reviewboard.projects.models import Project
from reviewboard.tokens.models import Scope

TAG = {"tags": ["Projects"]}


def etag(project: Project) -> str:
    return f'"project-{project.id}-v{project.version}"'


def _split(data: dict) -> tuple[dict, dict]:
    data = dict(data)
    answers = data.pop("answers")
    data.pop("pipeline_id", None)
    for text in ("name", "purpose", "intended_users", "scenario", "model"):
        if text in data:
            data[text] = data[text].strip()
            if not data[text] and text != "model":
                raise ServiceError("Fill this in.", text)
    return data, answers


@bp.get("/projects")
@bp.doc(**TAG, summary="Projects visible to you, most recently registered first")
@bp.arguments(ProjectQuery, location="query", as_kwargs=True)
@bp.response(200, ProjectPage)
@requires(Scope.READ, 422)
def list_projects(q: str = "", tier: str | None = None, cursor: str | None = None, limit: int = 20):
    after = decode_cursor(cursor)
    stmt = perms.visible_projects_query(api_user(), q.strip()).order_by(None).order_by(Project.id.desc())
    if tier:
        stmt = stmt.where(Project.tier == tier)
    if after:
        stmt = stmt.where(Project.id < after)
    rows = list(db.session.scalars(services.listed(stmt).limit(limit + 1)).unique())
    items, next_cursor = page(rows, limit)
    return {"items": items, "next_cursor": next_cursor}


@bp.post("/projects")
@bp.doc(**TAG, summary="Register a project (its first stage opens; the tier is assessed)")
@bp.arguments(ProjectCreate)
@bp.response(201, ProjectDetail)
@requires(Scope.SUBMIT, 422)
def create_project(data: dict):
    pipelines = active_pipelines()
    wanted = data.get("pipeline_id")
    pipeline = next((p for p in pipelines if wanted is None or p.id == wanted), None)
    if pipeline is None:
        raise ServiceError("Choose one of the active pipelines." if wanted else "No review pipeline is "
                           "configured yet.", "pipeline_id")
    fields, answers = _split(data)
    project = services.create_project(api_user(), pipeline, fields, answers)
    return project, 201, {"ETag": etag(project), "Location": f"/api/v1/projects/{project.id}"}


@bp.get("/projects/<int:project_id>")
@bp.doc(**TAG, summary="A project, its questionnaire and stages; the ETag is its version")
@bp.response(200, ProjectDetail)
@requires(Scope.READ, 404)
def get_project(project_id: int):
    project = load(Project, project_id, perms.can_view_project)
    return project, 200, {"ETag": etag(project)}


@bp.put("/projects/<int:project_id>")
@bp.doc(**TAG, summary="Replace a project's description and questionnaire (If-Match: its ETag)",
        parameters=[{"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
                     "description": "The ETag read; a stale one is answered 409"}])
@bp.arguments(ProjectInput)
@bp.response(200, ProjectDetail)
@requires(Scope.SUBMIT, 404, 409, 422, 428)
def update_project(data: dict, project_id: int):
    project = load(Project, project_id, perms.can_view_project)
    if not perms.can_edit_project(api_user(), project):
        raise NotPermitted("This project cannot be edited now: its current stage is not with the submitter.")
    if_match = request.headers.get("If-Match")
    if not if_match:
        return problem(428, "Send If-Match with the ETag you read, so that nobody's change is overwritten.",
                       field="If-Match")
    if if_match.strip() != etag(project):
        raise Conflict("The project changed since you read it: read it again (new ETag) and retry.", "If-Match")
    fields, answers = _split(data)
    project = services.update_project(api_user(), project, fields, answers, project.version)
    db.session.flush()
    return project, 200, {"ETag": etag(project)}


@bp.get("/projects/<int:project_id>/tier")
@bp.doc(**TAG, summary="The project's risk tier with the reasons the rules gave")
@bp.response(200, TierAnswer)
@requires(Scope.READ, 404)
def get_tier(project_id: int):
    return load(Project, project_id, perms.can_view_project)


