"""A person's account page for administrators (roles with a reason, deactivate, reactivate, last sign-in) and
everyone's own profile (name, language, digest). The people list and account creation are at /admin/users
(reviewboard/auth/views.py); password change at /account/password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required
from sqlalchemy import func, select

from reviewboard.accounts import services
from reviewboard.accounts.forms import ProfileForm, RolesForm
from reviewboard.accounts.permissions import can_administer_accounts
from reviewboard.auth.forms import ConfirmForm
from reviewboard.auth.models import User
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.extensions import db
from reviewboard.tokens.models import AccessToken

bp = Blueprint("accounts", __name__)


def _person(user_id: int) -> User:
    if not can_administer_accounts(current_user):
        abort(403)
    return load_or_404(User, user_id)


def _render_person(user: User, roles_form: RolesForm | None = None, status: int = 200):
    if roles_form is None:
        roles_form = RolesForm(formdata=None, roles=sorted(r.value for r in user.roles))
    open_tokens = db.session.scalar(select(func.count()).select_from(AccessToken).where(
        AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)))
    return render_template("accounts/person.html", person=user, roles_form=roles_form, confirm=ConfirmForm(),
                           open_tokens=open_tokens), status


@bp.get("/admin/users/<int:user_id>")
@login_required
def person(user_id: int):
    return _render_person(_person(user_id))


@bp.post("/admin/users/<int:user_id>/roles")
@login_required
def change_roles(user_id: int):
    user = _person(user_id)
    form = RolesForm()
    if form.validate_on_submit():
        try:
            changed = services.change_roles(current_user, user, set(form.roles.data), form.reason.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Roles of %(name)s changed.", name=user.name) if changed
                  else _("%(name)s already had these roles.", name=user.name), "success" if changed else "info")
            return redirect(url_for("accounts.person", user_id=user.id))
    return _render_person(user, form, 422)


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@login_required
def deactivate(user_id: int):
    user = _person(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            revoked = services.deactivate(current_user, user)
        except ServiceError as exc:
            form.form_errors.append(exc.message)
        else:
            flash(ngettext("%(name)s deactivated: their sessions have ended and %(num)d API token was revoked.",
                           "%(name)s deactivated: their sessions have ended and %(num)d API tokens were revoked.",
                           revoked, name=user.name) if revoked
                  else _("%(name)s deactivated: their sessions have ended.", name=user.name), "success")
            return redirect(url_for("accounts.person", user_id=user.id))
    return render_template("accounts/deactivate.html", person=user, form=form), (422 if form.form_errors else 200)


@bp.post("/admin/users/<int:user_id>/reactivate")
@login_required
def reactivate(user_id: int):
    user = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.reactivate(current_user, user)
    flash(_("%(name)s reactivated. Their earlier API tokens stay revoked.", name=user.name), "success")
    return redirect(url_for("accounts.person", user_id=user.id))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=None)
    if not form.is_submitted():
        form.name.data, form.language.data = user.name, user.language
        form.time_zone.data = user.time_zone or ""
        form.digest.data = "on" if user.digest_enabled else "off"
    if form.validate_on_submit():
        try:
            changed = services.update_profile(user, form.name.data, form.language.data, form.digest.data == "on",
                                              form.time_zone.data or "")
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            if "language" in changed or "time_zone" in changed:
                refresh()  # the confirmation is already in the language just chosen, and times in the new zone
            flash(_("Your profile was saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form), (422 if form.errors else 200)
