"""The AI inventory page: every AI system the person may see, filtered, sorted, searched and paged."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from reviewboard.conditions.services import today
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.inventory import services
from reviewboard.pipelines.services import pipeline_keys
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
