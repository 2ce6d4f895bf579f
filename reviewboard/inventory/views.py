"""The AI inventory page: every AI system the person may see, filtered, sorted, searched and paged."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.conditions.services import today
from reviewboard.core.badges import state_badges, tier_badges
from reviewboard.core.export import export_response
from reviewboard.core.language import current_language
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg
from reviewboard.inventory import export as exports
from reviewboard.inventory import services
from reviewboard.pipelines.services import pipeline_keys, pipeline_names
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import can_view_project
from reviewboard.projects.tiering import tier_labels
from reviewboard.reviews.workflow import StageState

bp = Blueprint("inventory", __name__)


@bp.get("/inventory")
@login_required
def index():
    pipelines = pipeline_names()
    f = services.parse_filter(request.args, list(pipelines))
    page = services.inventory_page(current_user, f, page_arg(request), current_app.config["PER_PAGE"])
    language = current_language()
    rows = services.rows_for(page.items, today(), language)
    labels = tier_labels(language)
    return render_template("inventory/index.html", f=f, page=page, rows=rows, tier_labels=labels, language=language,
                           tier_badges=tier_badges(labels),
                           state_badges=state_badges(r.current_stage.state for r in rows if r.current_stage),
                           tiers=services.TIERS, states=[StageState(s) for s in services.STATES], pipelines=pipelines,
                           **_row_words(rows))


def _row_words(rows: list[services.Row]) -> dict:
    """What the rows say, worded once a page rather than once a row: each pipeline version, each decided state."""
    return {"version_labels": {v: _("v%(version)s", version=v) for v in {r.pipeline_version for r in rows}},
            "decision_labels": {s: _(s.label) for s in {r.last_decision.state for r in rows if r.last_decision}}}


@bp.post("/inventory/export.<fmt>")
@login_required
def export(fmt: str):
    f = services.parse_filter(request.form, pipeline_keys())
    return export_response(fmt, lambda: exports.export_inventory(current_user, f, today()),
                           url_for("inventory.index", **f.args()))


@bp.post("/inventory/decisions.<fmt>")
@login_required
def export_decisions(fmt: str):
    f = services.parse_filter(request.form, pipeline_keys())
    return export_response(fmt, lambda: exports.export_decisions(current_user, f),
                           url_for("inventory.index", **f.args()))


@bp.get("/inventory/<int:project_id>")
@login_required
def system_timeline(project_id: int):
    project = load_or_404(Project, project_id, can_view_project)
    return render_template("inventory/timeline.html", project=project, moments=services.timeline(project),
                           tier_labels=tier_labels())
