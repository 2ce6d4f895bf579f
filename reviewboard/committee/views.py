"""Committee screens: a reviewer's conflict declaration, "Propose reviewers" for chairs, "My delegations"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.auth.forms import ConfirmForm
from reviewboard.auth.models import Role, User
from reviewboard.auth.services import users_with_role
from reviewboard.committee import services
from reviewboard.committee.forms import ConfirmProposalForm, DeclarationForm, DelegationForm, LateConflictForm
from reviewboard.committee.models import Delegation
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.extensions import db
from reviewboard.i18n import local_date
from reviewboard.projects import permissions as project_perms
from reviewboard.reviews import permissions as perms
from reviewboard.reviews import services as review_services
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.views import _render

bp = Blueprint("committee", __name__)


def _declaration_form() -> DeclarationForm:
    """The form the stage page's declaration step shows: the one just posted (with its errors) or a new one."""
    return g.get("declaration_form") or DeclarationForm(formdata=None)


def _late_conflict_form() -> LateConflictForm:
    return g.get("late_conflict_form") or LateConflictForm(formdata=None)


@bp.app_context_processor
def _committee_helpers():
    # the committee templates' name for the stage rights (declaring, recusal, delegation live with them)
    return {"committee_perms": perms, "committee_services": services, "declaration_form": _declaration_form,
            "late_conflict_form": _late_conflict_form}


def _declaration_post(stage_id: int, allowed, form_class, form_name: str, act, refused: str):
    """A reviewer's declaration step: ``act(reviewer, stage, form)`` records it and returns the flash
    (message, category). A reviewer who declared already (or whose round moved on) gets ``refused`` and the
    stage page, nothing saved; anyone else 403. A refused form comes back with its errors (422)."""
    stage = load_or_404(StageReview, stage_id, project_perms.can_view_stage)
    if not allowed(current_user, stage):
        if perms.declaration(current_user, stage) is not None:
            flash(refused, "warning")
            return redirect(url_for("reviews.show", stage_id=stage.id))
        abort(403)
    form = form_class()
    if form.validate_on_submit():
        try:
            message, category = act(current_user._get_current_object(), stage, form)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(message, category)
            return redirect(url_for("reviews.show", stage_id=stage.id))

    setattr(g, form_name, form)
    return _render(stage, status=422)


def _declare(reviewer, stage, form) -> tuple[str, str]:
    found = services.declare(reviewer, stage, form.conflict.data == "yes", form.nature.data or "")
    if found.has_conflict:
        return _("Conflict declared: you are recused from this round. The chairs have been told."), "warning"
    return _("Thank you: you declared no conflict of interest and can now review."), "success"


def _declare_late(reviewer, stage, form) -> tuple[str, str]:
    services.declare_late_conflict(reviewer, stage, form.nature.data)
    return (_("Conflict declared: you are recused from this round and your unsigned verdicts were withdrawn. "
              "The chairs have been told."), "warning")


@bp.post("/stages/<int:stage_id>/declaration")
@login_required
def declare(stage_id: int):
    return _declaration_post(stage_id, perms.can_declare, DeclarationForm, "declaration_form", _declare,
                             "You have already declared for this round.")


@bp.post("/stages/<int:stage_id>/declaration/conflict")
@login_required
def declare_late_conflict(stage_id: int):
    return _declaration_post(stage_id, perms.can_declare_late_conflict, LateConflictForm, "late_conflict_form",
                             _declare_late, "You can no longer change your declaration for this round. Nothing "
                             "was saved; if you have a conflict, tell a chair.")


@bp.get("/stages/<int:stage_id>/proposal")
@login_required
def proposal(stage_id: int):
    stage = load_or_404(StageReview, stage_id, project_perms.can_view_stage)
    if not perms.can_propose(current_user, stage):
        abort(403)
    found = services.propose_reviewers(stage)
    form = ConfirmProposalForm()
    form.reviewer_ids.choices = [(c.reviewer.id, c.reviewer.name) for c in found.candidates]
    form.reviewer_ids.data = [c.reviewer.id for c in found.candidates]
    return render_template("committee/proposal.html", stage=stage, project=stage.project, proposal=found,
                           form=form, required=services.required_expertise(stage))


@bp.post("/stages/<int:stage_id>/proposal")
@login_required
def confirm_proposal(stage_id: int):
    stage = load_or_404(StageReview, stage_id, project_perms.can_view_stage)
    if not perms.can_propose(current_user, stage):
        abort(403)
    form = ConfirmProposalForm()
    if form.validate_on_submit():
        try:
            assigned = review_services.assign_proposed(current_user._get_current_object(), stage,
                                                       form.reviewer_ids.data)
        except ServiceError as exc:
            flash(exc.message + " Nothing was assigned; here is a fresh proposal.", "danger")
            return redirect(url_for("committee.proposal", stage_id=stage.id))
        flash(_("Assigned %(names)s.", names=", ".join(u.name for u in assigned)), "success")
        return redirect(url_for("reviews.show", stage_id=stage.id))
    flash(_("Tick at least one reviewer to assign."), "warning")
    return redirect(url_for("committee.proposal", stage_id=stage.id))


def _delegation_form(formdata=None) -> DelegationForm:
    form = DelegationForm(formdata=formdata) if formdata is not None else DelegationForm()
    form.delegate_id.choices = [(u.id, u.name) for u in users_with_role(Role.REVIEWER) if u.id != current_user.id]
    return form


def _delegations_page(form, status=200):
    user = current_user._get_current_object()
    return render_template("committee/delegations.html", form=form, given=services.delegations_given(user),
                           received=services.delegations_received(user), confirm=ConfirmForm()), status


@bp.get("/account/delegations")
@login_required
def delegations():
    if not perms.can_manage_delegations(current_user):
        abort(403)
    return _delegations_page(_delegation_form())


@bp.post("/account/delegations")
@login_required
def create_delegation():
    if not perms.can_manage_delegations(current_user):
        abort(403)
    form = _delegation_form()
    if form.validate_on_submit():
        try:
            delegation = services.create_delegation(current_user._get_current_object(),
                                                    db.session.get(User, form.delegate_id.data),
                                                    form.starts_on.data, form.ends_on.data, form.reason.data or "")
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("%(name)s acts on your assignments from %(start)s to %(end)s.", name=delegation.delegate.name,
                    start=local_date(delegation.starts_on), end=local_date(delegation.ends_on)), "success")
            return redirect(url_for("committee.delegations"))
    return _delegations_page(form, 422)


@bp.post("/delegations/<int:delegation_id>/revoke")
@login_required
def revoke_delegation(delegation_id: int):
    delegation = load_or_404(Delegation, delegation_id, perms.gave_delegation)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_delegation(current_user._get_current_object(), delegation)
    except ServiceError as exc:
        flash(exc.message, "warning")
    else:
        flash(_("Delegation to %(name)s revoked.", name=delegation.delegate.name), "success")
    return redirect(url_for("committee.delegations"))
