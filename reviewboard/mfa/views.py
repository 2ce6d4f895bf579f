"""The second step of sign-in (/login/code), the two-step verification settings (/account/mfa) and the policy
that keeps a person whose role requires it on the enrolment page until they have enrolled."""

from __future__ import annotations

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.auth.session import start_session
from reviewboard.auth.views import _safe_next
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.extensions import limiter, per_user_limit
from reviewboard.mfa import services
from reviewboard.mfa.forms import ConfirmCodeForm, DisableForm, RegenerateForm, SignInCodeForm, StartForm
from reviewboard.mfa.session import drop_pending, pending_key, pending_user
from reviewboard.sso.signing import SESSION_ISSUER

bp = Blueprint("mfa", __name__)

# what a person who must enrol may still open: the enrolment itself, signing out, and what no page needs a person for
ENROLMENT_OPEN = frozenset({"mfa.settings", "mfa.start", "mfa.confirm", "auth.logout", "auth.login",
                            "mfa.sign_in_code", "static", "bootstrap.static", "core.favicon"})


@bp.before_app_request
def _enrolment_first():
    """MFA_REQUIRED_ROLES: such a person, signed in without an authenticator, can do nothing else until enrolled."""
    endpoint = request.endpoint or ""
    if endpoint in ENROLMENT_OPEN or endpoint.startswith(("api.", "ops.")) or not current_user.is_authenticated:
        return None
    if session.get(SESSION_ISSUER):
        return None  # signed in at the organisation's identity provider: its policy covers the second factor
    user = current_user._get_current_object()
    if services.required_for(user) and not services.is_enabled(user):
        flash(_("Your role requires two-step verification. Set up an authenticator app to continue."), "warning")
        return redirect(url_for("mfa.settings"))
    return None


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["MFA_CODE_LIMIT_PER_ACCOUNT"], methods=["POST"], key_func=pending_key)
def sign_in_code():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    user = pending_user()
    if user is None:
        drop_pending()
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        method = services.verify_second_factor(user, form.code.data)
        if method is not None:
            start_session(user)
            if method == "recovery code":
                left = services.remaining_recovery_codes(user)
                flash(_("You signed in with a recovery code; %(left)d remain. Make new ones on the two-step "
                        "verification page if you have lost your authenticator.", left=left), "warning")
            return redirect(_safe_next(request.args.get("next")))
        form.code.errors = [_("That code is not right, or was already used. Enter the code the app shows now.")]
    return render_template("mfa/sign_in_code.html", form=form), (422 if form.errors else 200)


def _settings_page(status: int = 200, **forms):
    user = current_user._get_current_object()
    found = services.credential(user)
    pending = None
    if found is not None and not found.enabled:
        secret = services.secret_of(user, found)
        uri = services.provisioning_uri(user, secret)
        pending = {"secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
                   # inline (data: URI, allowed by the CSP's img-src), drawn here by segno: no script, no CDN
                   "qr": segno.make(uri, error="m").svg_data_uri(scale=5, border=4)}
    context = {"start": StartForm(), "confirm": ConfirmCodeForm(), "regenerate": RegenerateForm(),
               "disable": DisableForm(), **forms}
    return render_template("mfa/settings.html", credential=found, pending=pending,
                           required=services.required_for(user),
                           remaining=services.remaining_recovery_codes(user) if found and found.enabled else 0,
                           **context), status


@bp.get("/account/mfa")
@login_required
def settings():
    return _settings_page()


@bp.post("/account/mfa/start")
@login_required
def start():
    form = StartForm()
    if not form.validate_on_submit():
        return _settings_page(422, start=form)
    try:
        services.begin_enrolment(current_user._get_current_object())
    except ServiceError as exc:
        flash(exc.message, "warning")
    return redirect(url_for("mfa.settings"))


def _codes_page(codes: list[str], message: str):
    flash(message, "success")
    return render_template("mfa/recovery_codes.html", codes=codes)


@bp.post("/account/mfa/confirm")
@login_required
@per_user_limit("MFA_CODE_LIMIT_PER_ACCOUNT")
def confirm():
    form = ConfirmCodeForm()
    if form.validate_on_submit():
        try:
            codes = services.confirm_enrolment(current_user._get_current_object(), form.code.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            return _codes_page(codes, _("Two-step verification is on."))
    return _settings_page(422, confirm=form)


@bp.post("/account/mfa/recovery-codes")
@login_required
@per_user_limit("MFA_CODE_LIMIT_PER_ACCOUNT")
def regenerate():
    form = RegenerateForm()
    if form.validate_on_submit():
        try:
            codes = services.regenerate_recovery_codes(current_user._get_current_object(), form.code.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            return _codes_page(codes, _("New recovery codes made; the old ones no longer work."))
    return _settings_page(422, regenerate=form)


@bp.post("/account/mfa/disable")
@login_required
@per_user_limit("MFA_CODE_LIMIT_PER_ACCOUNT")
def disable():
    form = DisableForm()
    if form.validate_on_submit():
        try:
            services.disable(current_user._get_current_object(), form.password.data, form.code.data)
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Two-step verification is off; your recovery codes no longer work."), "success")
            return redirect(url_for("mfa.settings"))
    return _settings_page(422, disable=form)
