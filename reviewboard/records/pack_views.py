"""Evidence-pack downloads for chairs and auditors."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask_login import login_required

from reviewboard.core.downloads import attachment
from reviewboard.core.loading import load_or_404
from reviewboard.projects.models import Project
from reviewboard.records.pack import build_pack
from reviewboard.records.permissions import can_export_pack, can_export_stage_pack
from reviewboard.reviews.models import StageReview

bp = Blueprint("packs", __name__)
log = logging.getLogger("reviewboard.records")


@bp.get("/projects/<int:project_id>/pack.zip")
@login_required
def project_pack(project_id: int):
    project = load_or_404(Project, project_id, can_export_pack)
    data, name = build_pack(project)
    log.info("evidence pack exported project=%s bytes=%d", project.id, len(data))
    return attachment(data, name, "application/zip")


@bp.get("/stages/<int:stage_id>/pack.zip")
@login_required
def stage_pack(stage_id: int):
    stage = load_or_404(StageReview, stage_id, can_export_stage_pack)
    data, name = build_pack(stage.project, stage)
    log.info("evidence pack exported stage=%s bytes=%d", stage.id, len(data))
    return attachment(data, name, "application/zip")
