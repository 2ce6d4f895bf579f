"""/password/forgot (ask for a link) and /password/reset?token=… (use it). The token travels in the query
string, which the access log leaves out (ops/access_log.py logs the path only)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.extensions import limiter
from reviewboard.reset import services
from reviewboard.reset.forms import ForgotForm, ResetForm

bp = Blueprint("reset", __name__)


def _account_key() -> str:
    return "reset:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key)
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        services.request_reset(form.email.data)
        minutes = int(current_app.config["PASSWORD_RESET_TTL"].total_seconds() // 60)
        return render_template("reset/sent.html", email=form.email.data.strip(), minutes=minutes)
    return render_template("reset/forgot.html", form=form), (422 if form.errors else 200)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"], methods=["POST"])
def reset():
    form = ResetForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        if services.usable_link(form.token.data) is None:
            return render_template("reset/unusable.html"), 410
        return render_template("reset/reset.html", form=form)
    if form.validate_on_submit():
        try:
            services.reset_password(form.token.data, form.new_password.data)
        except services.LinkUnusable:
            return render_template("reset/unusable.html"), 410
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            flash(_("Your password is set and every session of your account has ended. Sign in with the new "
                  "password."), "success")
            return redirect(url_for("auth.login"))
    elif services.usable_link(form.token.data or "") is None:
        return render_template("reset/unusable.html"), 410
    return render_template("reset/reset.html", form=form), 422
