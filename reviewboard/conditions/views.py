"""Condition screens: a project's conditions, the conditions a person follows, one condition with its
answer, evidence and history; answering, closing and reopening."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from reviewboard.conditions import permissions as perms
from reviewboard.conditions import services
from reviewboard.conditions.export import export_conditions
from reviewboard.conditions.forms import CloseForm, ReopenForm, RespondForm
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.core.export import export_response
from reviewboard.core.forms import attach_error
from reviewboard.core.language import current_language, translated
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import is_contributor
from reviewboard.reviews.models import Condition

# a condition's status in a sentence
STATUS_WORDS = {"open": _l("open"), "fulfilled": _l("fulfilled"), "closed": _l("closed")}

bp = Blueprint("conditions", __name__)


def _criteria_choices(condition: Condition) -> list[tuple[int, str]]:
    language = current_language()
    return [(c.id, f"{c.code} {translated(c, 'title', language)}")
            for c in condition.stage_review.applicable_criteria()]


def _render(condition: Condition, *, respond_form=None, close_form=None, reopen_form=None, status=200):
    if respond_form is None and perms.can_respond(current_user, condition):
        respond_form = RespondForm()
    if respond_form is not None:
        respond_form.criterion_id.choices = _criteria_choices(condition)
    if close_form is None and perms.can_close(current_user, condition):
        close_form = CloseForm()
    if reopen_form is None and perms.can_reopen(current_user, condition):
        reopen_form = ReopenForm()
    return render_template("conditions/show.html", condition=condition, stage=condition.stage_review,
                           project=condition.stage_review.project, respond_form=respond_form,
                           close_form=close_form, reopen_form=reopen_form, history=services.history(condition),
                           today=services.today()), status


def _stale(condition: Condition):
    """The form was right when the page was drawn but the condition moved on (answered or decided in another
    tab or by someone else): 409 with the current page."""
    flash(_("This condition is %(status)s now; nothing was saved.",
                status=STATUS_WORDS.get(condition.status, condition.status)), "warning")
    return _render(condition, status=409)


def _failed(condition: Condition, exc: ServiceError, form, **forms):
    if exc.status == 409:
        return _stale(condition)
    if isinstance(exc, NotPermitted):
        raise exc  # the app's 403 page (core/errors_web.py)
    attach_error(form, exc)
    return _render(condition, **forms, status=422)


@bp.get("/conditions")
@login_required
def index():
    show_closed = request.args.get("status") == "all"
    page = paginate(services.visible_query(current_user, include_closed=show_closed), page_arg(request),
                    current_app.config["PER_PAGE"])
    return render_template("conditions/index.html", page=page, show_closed=show_closed, today=services.today())


@bp.post("/conditions/export.<fmt>")
@login_required
def export(fmt: str):
    show_closed = request.form.get("status") == "all"
    back = url_for("conditions.index", status="all" if show_closed else "open")
    return export_response(fmt, lambda: export_conditions(current_user, include_closed=show_closed,
                                                           today=services.today()), back)


@bp.get("/projects/<int:project_id>/conditions")
@login_required
def project_conditions(project_id: int):
    project = load_or_404(Project, project_id, perms.can_view_conditions)
    return render_template("conditions/project.html", project=project, today=services.today())


@bp.get("/conditions/<int:condition_id>")
@login_required
def show(condition_id: int):
    return _render(load_or_404(Condition, condition_id, perms.can_view_condition))


@bp.post("/conditions/<int:condition_id>/respond")
@login_required
def respond(condition_id: int):
    condition = load_or_404(Condition, condition_id, perms.can_view_condition)
    if not perms.can_respond(current_user, condition):
        if condition.status == "closed" and current_user.active and is_contributor(current_user,
                                                                             condition.stage_review.project):
            return _stale(condition)
        abort(403)
    form = RespondForm()
    form.criterion_id.choices = _criteria_choices(condition)
    if not form.validate_on_submit():
        return _render(condition, respond_form=form, status=422)
    upload = form.file.data
    try:
        services.respond(current_user, condition, form.note.data, form.criterion_id.data, upload.filename or "",
                         upload.read())
    except ServiceError as exc:
        return _failed(condition, exc, form, respond_form=form)
    flash(_("Condition marked as fulfilled. A reviewer of the stage will close it."), "success")
    return redirect(url_for("conditions.show", condition_id=condition.id))


def _reviewer_action(condition_id: int, allowed, form_cls, form_name: str, note_field: str, action, done: str):
    """Close or reopen: a reviewer's decision on a condition. A decider whose page is out of date (someone
    acted first) gets the current page with 409; anyone else 403."""
    condition = load_or_404(Condition, condition_id, perms.can_view_condition)
    if not allowed(current_user, condition):
        if perms.can_decide(current_user, condition):
            return _stale(condition)
        abort(403)
    form = form_cls()
    if not form.validate_on_submit():
        return _render(condition, **{form_name: form}, status=422)
    try:
        action(current_user, condition, getattr(form, note_field).data)
    except ServiceError as exc:
        return _failed(condition, exc, form, **{form_name: form})
    flash(done, "success")
    return redirect(url_for("conditions.show", condition_id=condition.id))


@bp.post("/conditions/<int:condition_id>/close")
@login_required
def close(condition_id: int):
    return _reviewer_action(condition_id, perms.can_close, CloseForm, "close_form", "close_note", services.close,
                            "Condition closed.")


@bp.post("/conditions/<int:condition_id>/reopen")
@login_required
def reopen(condition_id: int):
    return _reviewer_action(condition_id, perms.can_reopen, ReopenForm, "reopen_form", "reopen_note",
                            services.reopen, "Condition reopened; its owner is asked again.")
