"""Sign-in, sign-out, own password, and account administration for chairs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from reviewboard.auth import services
from reviewboard.auth.forms import ChangePasswordForm, ConfirmForm, CreateUserForm, LoginForm
from reviewboard.auth.models import User
from reviewboard.auth.permissions import can_admin_users
from reviewboard.auth.session import start_session
from reviewboard.committee.forms import ExpertiseForm, expertise_choices
from reviewboard.committee.services import set_expertise as record_expertise
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error, strip_nul
from reviewboard.core.loading import load_or_404
from reviewboard.core.pagination import page_arg, paginate
from reviewboard.core.search import contains, like_escaped
from reviewboard.extensions import limiter
from reviewboard.i18n import SESSION_KEY as LANGUAGE_KEY
from reviewboard.mfa.services import is_enabled as mfa_enabled
from reviewboard.mfa.session import hold_for_second_step
from reviewboard.pipelines.labels import expertise_names
from reviewboard.sso import client as sso_client

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


def _safe_next(target: str | None) -> str:
    """A local path to return to after sign-in, else the dashboard. Control characters and spaces are
    refused: ``?next=/%09/evil.example`` would redirect to "//evil.example" (browsers drop tabs and
    newlines), and a CR/LF cannot go into the Location header at all (500)."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and target.isprintable() and not any(ch.isspace() for ch in target)):
        return target
    return url_for("core.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    if session.pop("expired", False):
        flash(_("Your session ended after a period of inactivity. Please sign in again."), "info")
    if not sso_client.local_login_allowed():  # single sign-on only: no password is checked here
        return render_template("auth/login.html", form=None), (403 if request.method == "POST" else 200)
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            if mfa_enabled(user):  # the password is right; the session starts after the second factor
                hold_for_second_step(user)
                return redirect(url_for("mfa.sign_in_code", next=request.args.get("next")))
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append(_("The e-mail or password is not correct, or the account is deactivated."))
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    services.end_sessions(current_user._get_current_object())
    language = current_user.language
    logout_user()
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language  # the sign-in page that follows stays in the person's chosen language
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(), form.current_password.data,
                                     form.new_password.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            start_session(current_user._get_current_object(), new_visit=False)
            flash(_("Your password was changed. Other sessions have been signed out."), "success")
            return redirect(url_for("core.dashboard"))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


@bp.route("/admin/users", methods=["GET", "POST"])
@login_required
def users():
    if not can_admin_users(current_user):
        abort(403)
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user._get_current_object(), form.email.data, form.name.data,
                                        form.password.data, set(form.roles.data))
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Account created for %(name)s.", name=user.name), "success")
            return redirect(url_for("auth.users"))
    q = strip_nul(request.args.get("q") or "").strip()[:100]
    stmt = select(User).order_by(User.name).options(selectinload(User.role_rows))  # the list shows each one's roles
    if q:
        stmt = stmt.where(or_(contains(func.lower(User.name), q), User.email.like(f"%{like_escaped(q.lower())}%",
                                                                                  escape="\\")))
    page = paginate(stmt, page_arg(request), current_app.config["PER_PAGE"])

    return render_template("auth/users.html", form=form, page=page, q=q, confirm=ConfirmForm(),
                           expertise_choices=expertise_choices(), expertise_names=expertise_names), \
        (422 if form.errors else 200)


@bp.post("/admin/users/<int:user_id>/expertise")
@login_required
def set_expertise(user_id: int):
    if not can_admin_users(current_user):
        abort(403)
    user = load_or_404(User, user_id)
    form = ExpertiseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        record_expertise(current_user._get_current_object(), user, form.expertise.data or [])
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.users"))
    flash(_("Expertise of %(name)s: %(expertise)s.", name=user.name, expertise=", ".join(user.expertise) or _("none")),
          "success")
    return redirect(url_for("auth.users"))


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    if not can_admin_users(current_user):
        abort(403)
    user = load_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    activate = request.form.get("active") == "1"
    try:
        services.set_active(current_user._get_current_object(), user, activate)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("auth.users"))
    flash(_("%(name)s reactivated.", name=user.name) if activate
          else _("%(name)s deactivated; their sessions have ended.", name=user.name), "success")
    return redirect(url_for("auth.users"))
