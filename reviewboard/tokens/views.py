"""The account page's API tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reviewboard.auth.forms import ConfirmForm
from reviewboard.core.errors import ServiceError
from reviewboard.core.forms import attach_error
from reviewboard.core.loading import load_or_404
from reviewboard.tokens import services
from reviewboard.tokens.forms import TokenForm
from reviewboard.tokens.models import AccessToken

bp = Blueprint("tokens", __name__)


def _own(user, token) -> bool:
    return user.is_authenticated and token.user_id == user.id


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index():
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            created = services.create_token(user, user, form.name.data, form.scope.data,
                                            services.parse_lifetime(form.expires.data))
        except ServiceError as exc:
            attach_error(form, exc)
        else:
            form = TokenForm(formdata=None)
    return render_template("tokens/index.html", form=form, created=created, confirm=ConfirmForm(),
                           tokens=services.tokens_of(current_user)), (422 if form.errors else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = load_or_404(AccessToken, token_id, _own)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.revoke_token(current_user._get_current_object(), token)
    flash(_("Revoked “%(name)s”: it no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.index"))
