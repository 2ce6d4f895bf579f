"""Registration duties: recording a filing for a duty, and downloading a filing's evidence."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.core.downloads import attachment
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.language import current_language
from reviewboard.core.loading import load_or_404
from reviewboard.projects.models import Project
from reviewboard.registration import permissions as perms
from reviewboard.registration import services
from reviewboard.registration.forms import FilingForm
from reviewboard.registration.models import Filing

bp = Blueprint("registration", __name__)


def _duty_or_404(project: Project, code: str):
    duty = next((d for d in services.duties_for(project, current_language()) if d.code == code), None)
    if duty is None:
        abort(404)
    return duty


@bp.route("/projects/<int:project_id>/duties/<code>/filing", methods=["GET", "POST"])
@login_required
def file_duty(project_id: int, code: str):
    project = load_or_404(Project, project_id, perms.can_view_registration)
    duty = _duty_or_404(project, code)
    if not perms.can_file(current_user, project):
        abort(403)
    form = FilingForm()
    if request.method == "GET":
        form.authority.data = duty.authority
    if form.validate_on_submit():
        upload = form.file.data
        try:
            filing = services.add_filing(current_user, project, duty.code, form.authority.data, form.reference.data,
                                         form.filed_on.data, upload.filename or "", upload.read())
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Filing %(reference)s recorded for %(duty)s.", reference=filing.reference, duty=duty.title),
                  "success")
            return redirect(url_for("projects.show", project_id=project.id) + "#registration")
    history = [f for f in services.filings_of(project) if f.duty_code == duty.code]
    return render_template("registration/filing.html", project=project, duty=duty, form=form,
                           history=history), (422 if form.errors else 200)


@bp.get("/filings/<int:filing_id>")
@login_required
def download(filing_id: int):
    filing = load_or_404(Filing, filing_id, perms.can_view_filing)
    return attachment(filing.data, filing.filename)
