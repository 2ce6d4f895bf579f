"""System versions: the list on its own page (and a summary on the project page) and adding a version."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.projects.models import Project
from reviewboard.systems import permissions as perms
from reviewboard.systems import services
from reviewboard.systems.forms import VersionForm

bp = Blueprint("systems", __name__)


def _page(project: Project, form: VersionForm, status: int = 200):
    return render_template("systems/versions.html", project=project, versions=services.versions_of(project),
                           form=form, perms=perms), status


@bp.get("/projects/<int:project_id>/versions")
@login_required
def versions(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_versions)
    return _page(project, VersionForm())


@bp.post("/projects/<int:project_id>/versions")
@login_required
def add_version(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_versions)
    if not perms.can_add_version(current_user, project):
        abort(403)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            version = services.add_version(current_user, project, form.label.data, form.release_notes.data or "",
                                           form.artifact_inputs())
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            if version.material_change:
                flash(_("Version %(label)s added. Its artifacts differ from the previous version's: the stages the "
                        "re-review rules name are reopened.", label=version.label), "success")
            else:
                flash(_("Version %(label)s added.", label=version.label), "success")
            return redirect(url_for("systems.versions", project_id=project.id))
    return _page(project, form, 422)
