"""The AI inventory page: every AI system the person may see, filtered, sorted, searched and paged."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from reviewboard.conditions.services import today
from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.inventory import services
from reviewboard.inventory.export import FORMATS, export_inventory
from reviewboard.models.base import utcnow
from reviewboard.pipelines.services import pipeline_keys
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import can_view_project
from reviewboard.projects.tiering import TIER_LABELS
from reviewboard.reviews.workflow import StageState

bp = Blueprint("inventory", __name__)


@bp.get("/inventory")
@login_required
def index():
    f = services.parse_filter(request.args)
    page = paginate(services.inventory_query(current_user, f), page_arg(request), current_app.config["PER_PAGE"])
    return render_template("inventory/index.html", f=f, page=page, rows=services.rows_for(page.items, today()),
                           today=today(), tier_labels=TIER_LABELS, tiers=services.TIERS,
                           states=[StageState(s) for s in services.STATES], pipelines=pipeline_keys())


MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.post("/inventory/export.<fmt>")
@login_required
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    f = services.parse_filter(request.form)
    try:
        data = export_inventory(current_user, f, fmt, today())
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("inventory.index", **f.args()))
    return attachment(data, f"ai-inventory-{utcnow():%Y%m%d-%H%M%S}.{fmt}", MIMETYPES[fmt])


@bp.get("/inventory/<int:project_id>")
@login_required
def system_timeline(project_id: int):
    project = load_or_404(Project, project_id, can_view_project)
    return render_template("inventory/timeline.html", project=project, moments=services.timeline(project),
                           tier_labels=TIER_LABELS)
