"""The navbar's language switcher: a plain form post (CSRF protected, no JavaScript). A signed-in person's
choice is saved to their profile (an audit event, as any profile change); an anonymous visitor's is kept in
the session."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session
from flask_login import current_user

from reviewboard.accounts import services as accounts
from reviewboard.auth.views import _safe_next
from reviewboard.i18n import SESSION_KEY
from reviewboard.i18n.languages import LANGUAGES

bp = Blueprint("i18n", __name__)


@bp.post("/language")
def switch():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = language
    if current_user.is_authenticated:
        accounts.set_language(current_user._get_current_object(), language)
    return redirect(_safe_next(request.form.get("next")))
