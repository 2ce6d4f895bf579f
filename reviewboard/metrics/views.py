"""The committee metrics page (/metrics) and its exports, for chairs and auditors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.conditions.services import today
from reviewboard.core.export import FORMATS
from reviewboard.core.language import current_language
from reviewboard.metrics.charts import chart_data_uri, chart_description
from reviewboard.metrics.export import UnknownTable, export_metrics
from reviewboard.metrics.filters import FILTER_FIELDS, parse_filter
from reviewboard.metrics.labels import note, shown, shown_table
from reviewboard.metrics.permissions import can_view_metrics
from reviewboard.metrics.services import committee_metrics
from reviewboard.models.base import utcnow
from reviewboard.pipelines.services import pipeline_names
from reviewboard.projects.tiering import tier_labels

bp = Blueprint("metrics", __name__)


def _allowed() -> None:
    if not can_view_metrics(current_user):
        abort(403)


@bp.get("/metrics")
@login_required
def index():
    _allowed()
    f, problems = parse_filter(request.args, today())
    metrics = committee_metrics(f, utcnow(), current_language())
    return render_template("metrics/index.html", f=f, problems=problems, typed=request.args, metrics=metrics,
                           chart_data_uri=chart_data_uri, chart_description=chart_description, shown=shown,
                           shown_table=shown_table, note=note,
                           tier_labels=tier_labels(), pipelines=pipeline_names()), 400 if problems else 200


@bp.post("/metrics/export.<fmt>")
@login_required
def export(fmt: str):
    _allowed()
    if fmt not in FORMATS:
        abort(404)
    f, problems = parse_filter(request.form, today())
    if problems:  # the page names what it could not read, with what was typed kept
        flash(_("Nothing was exported: correct the filters first."), "danger")
        return redirect(url_for("metrics.index", **{k: v for k in FILTER_FIELDS if (v := request.form.get(k))}))
    try:
        return export_metrics(current_user, f, fmt, utcnow(), request.form.get("table", ""))
    except UnknownTable:
        abort(404)
