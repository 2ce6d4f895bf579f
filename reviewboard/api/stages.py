"""Stages (read, submit), their evidence (multipart upload, download) and the reviewer's queue.

Submitting goes through the same lifecycle service as the stage page; signing a decision does not exist
here (it needs the signer's password in the browser)."""

from __future__ import annotations

from flask import abort

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.loading import load
from reviewboard.api.schemas import (
    EvidenceFile,
    EvidenceOut,
    EvidenceUpload,
    QueueItem,
    StageDetail,
    StageSummary,
    SubmitInput,
    SubmitOutput,
)
from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.projects import permissions as perms
from reviewboard.projects import services as project_services
from reviewboard.projects.models import Evidence, Project
from reviewboard.reviews import lifecycle
from reviewboard.reviews import permissions as review_perms
from reviewboard.reviews import services as review_services
from reviewboard.reviews.models import StageReview
from reviewboard.tokens.models import Scope

TAG = {"tags": ["Stages and evidence"]}


class StageView:
    """A stage as the API shows it to the token's person: its evidence withheld from a reviewer of the round
    until they have declared their conflicts of interest (as on the stage page)."""

    def __init__(self, stage: StageReview):
        self._stage = stage
        self.criteria = [c.code for c in stage.applicable_criteria()]
        self.evidence = [] if review_perms.content_withheld(api_user(), stage) else stage.evidence
        self.records = [r.id for r in stage.records]

    def __getattr__(self, name):
        return getattr(self._stage, name)


@bp.get("/projects/<int:project_id>/stages")
@bp.doc(**TAG, summary="A project's stages in pipeline order")
@bp.response(200, StageSummary(many=True))
@requires(Scope.READ, 404)
def list_stages(project_id: int):
    return load(Project, project_id, perms.can_view_project).stages


@bp.get("/stages/<int:stage_id>")
@bp.doc(**TAG, summary="A stage: state, criteria, evidence (withheld from a reviewer until they declare) and records")
@bp.response(200, StageDetail)
@requires(Scope.READ, 404)
def get_stage(stage_id: int):
    return StageView(load(StageReview, stage_id, perms.can_view_stage))


@bp.post("/stages/<int:stage_id>/submit")
@bp.doc(**TAG, summary="Submit (or resubmit) the stage for review; `version` is the stage's version as read")
@bp.arguments(SubmitInput)
@bp.response(200, SubmitOutput)
@requires(Scope.SUBMIT, 404, 409, 422)
def submit_stage(data: dict, stage_id: int):
    stage = load(StageReview, stage_id, perms.can_view_stage)
    round_ = lifecycle.submit_stage(api_user(), stage, data["note"].strip(), data["version"])
    db.session.flush()
    return {"stage": stage, "round": round_.number}


@bp.post("/stages/<int:stage_id>/evidence")
@bp.doc(**TAG, summary="Attach an evidence file to one of the stage's criteria (the web form's checks and limits)")
@bp.arguments(EvidenceUpload, location="form")
@bp.arguments(EvidenceFile, location="files")
@bp.response(201, EvidenceOut)
@requires(Scope.SUBMIT, 404, 413, 422)
def upload_evidence(form: dict, files: dict, stage_id: int):
    stage = load(StageReview, stage_id, perms.can_view_stage)
    criterion = next((c for c in stage.applicable_criteria() if c.code == form["criterion"].strip()), None)
    if criterion is None:
        raise ServiceError("Choose one of this stage's criteria (GET the stage for their codes).", "criterion")
    upload = files["file"]
    if not hasattr(upload, "read"):
        raise ServiceError("Send the file as a multipart part named file.", "file")
    evidence = project_services.add_evidence(api_user(), stage, criterion.id, upload.filename or "",
                                             upload.read(), expires_on=form.get("expires_on"))
    return evidence, 201, {"Location": f"/api/v1/evidence/{evidence.id}"}


@bp.get("/evidence/<int:evidence_id>")
@bp.doc(**TAG, summary="Download an evidence file as uploaded",
        responses={"200": {"description": "The file", "content": {"application/octet-stream": {
            "schema": {"type": "string", "format": "binary"}}}}})
@requires(Scope.READ, 404)
def download_evidence(evidence_id: int):
    evidence = load(Evidence, evidence_id, perms.can_view_evidence)
    if review_perms.content_withheld(api_user(), evidence.stage_review):
        abort(403, "Declare your conflicts of interest on the stage page before reading its evidence.")
    response = attachment(evidence.data, evidence.filename)
    response.headers["X-File-SHA256"] = evidence.sha256
    return response


@bp.get("/queue")
@bp.doc(tags=["Reviewing"], summary="Stages in review that you may act on, oldest submission first")
@bp.response(200, QueueItem(many=True))
@requires(Scope.READ)
def queue():
    user = api_user()
    if not review_perms.can_see_queue(user):
        abort(403, "Only reviewers and chairs have a queue.")
    rows = db.session.execute(review_services.queue_query(user).limit(200)).all()
    return [{"stage": stage, "project_id": stage.project_id, "project": stage.project.name,
             "tier": stage.project.tier, "submitted_at": at} for stage, at in rows]
