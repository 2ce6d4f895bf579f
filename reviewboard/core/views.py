"""Home, dashboard and the site icon."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

from reviewboard.auth.session import previous_visit
from reviewboard.conditions import services as condition_services
from reviewboard.core.badges import state_badges, tier_badges
from reviewboard.core.dashboard import panels as dashboard_panels
from reviewboard.projects.tiering import tier_labels

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("auth.login"))


@bp.get("/dashboard")
@login_required
def dashboard():
    panels = dashboard_panels(current_user, previous_visit())
    return render_template("core/dashboard.html", **panels, tier_badges=tier_badges(tier_labels()),
                           state_badges=state_badges(p.stage_state for p in panels["projects"] if p.stage_state),
                           today=condition_services.today())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask every site for /favicon.ico, whatever the page links."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)
