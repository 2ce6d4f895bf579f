"""The public register (page and JSON feed, no sign-in) and a chair's listing page for one system."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.models.base import iso, utcnow
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import can_view_project
from reviewboard.projects.tiering import tier_labels

from . import services
from .forms import ListingForm
from .permissions import can_manage_listing, register_enabled

bp = Blueprint("register", __name__)


@bp.get("/register")
def index():
    if not register_enabled():
        abort(404)
    return render_template("register/index.html", entries=services.register_entries(), tier_labels=tier_labels())


@bp.get("/register.json")
def feed():
    if not register_enabled():
        abort(404)
    response = jsonify({"generated_at": iso(utcnow()), "systems": services.register_entries()})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _render(project, form=None, code=200):
    listing = services.listing_of(project)
    if form is None:
        form = ListingForm(public_description=listing.public_description if listing else "")
    return render_template("register/listing.html", project=project, listing=listing, form=form,
                           enabled=register_enabled(),
                           preview=services.entry(listing) if listing else None), code


@bp.route("/projects/<int:project_id>/register", methods=["GET", "POST"])
@login_required
def listing(project_id: int):
    project = load_or_404(Project, project_id, can_view_project)
    if not can_manage_listing(current_user, project):
        abort(403)
    form = ListingForm()
    if not form.is_submitted():
        return _render(project)
    if not form.validate_on_submit():
        return _render(project, form, 422)
    listed = bool(form.list_system.data)
    try:
        services.set_listing(current_user, project, listed, form.public_description.data or "")
    except NotPermitted:
        abort(403)
    except ServiceError as exc:
        attach_error(form, exc)
        return _render(project, form, 422)
    flash(_("Listed on the public register.") if listed else _("Withdrawn from the public register."), "success")
    return redirect(url_for("register.listing", project_id=project.id))
