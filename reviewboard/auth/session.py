"""Flask-Login wiring with revocable sessions and idle timeout.

The session cookie carries ``user_id:session_token``; the token is rotated at logout, password
change and deactivation, so a cookie captured before any of those is refused afterwards (ASVS 7.4.1).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload

from reviewboard.auth.models import User
from reviewboard.extensions import db, login_manager
from reviewboard.mfa import services as mfa_services
from reviewboard.mfa.models import TotpCredential
from reviewboard.models.base import utcnow


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with its signer built once per set of keys instead of twice a request (to
    read the cookie and to write it): the keys are the only thing it holds, and it holds nothing per request."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        cached = self.__dict__.get("_signer")
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]


@functools.cache
def _person_query():
    """The person, their roles and whether their authenticator is in force in one statement (joins), not three: the
    enrolment policy (mfa/views.py) asks the last before every page of a person whose role requires it. Built once,
    at the first request, not at import, where it would configure every mapper before the other packages' models
    exist."""
    return (select(User, TotpCredential.confirmed_at.is_not(None))
            .outerjoin(TotpCredential, TotpCredential.user_id == User.id)
            .options(joinedload(User.role_rows)).where(User.id == bindparam("user_id")))


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load(user_key: str):
        user_id, _, token = user_key.partition(":")
        if not user_id.isdigit() or not token:
            return None
        row = db.session.execute(_person_query(), {"user_id": int(user_id)}).unique().first()
        if row is None:
            return None
        user, mfa_enabled = row
        if not user.active or user.session_token != token:
            return None
        mfa_services.note_enabled(user, mfa_enabled)
        return user

    @app.before_request
    def _idle_timeout():
        if not current_user.is_authenticated:
            return
        now = utcnow()
        last = session.get("last_seen")
        idle = current_app.config["SESSION_IDLE_TIMEOUT"]
        started = session.get("signed_in_at")
        absolute = current_app.config["PERMANENT_SESSION_LIFETIME"]
        expired = (last and now - datetime.fromtimestamp(last, UTC) > idle) or (
            started and now - datetime.fromtimestamp(started, UTC) > absolute)
        if expired:
            logout_user()
            session.clear()
            session["expired"] = True
            return
        # The cookie is re-signed and sent only when the idle window moves on by SESSION_TOUCH_INTERVAL: a page
        # that changes nothing else answers without a Set-Cookie. The session may then end up to that interval
        # before SESSION_IDLE_TIMEOUT of real idleness, never after it.
        if not last or now - datetime.fromtimestamp(last, UTC) >= current_app.config["SESSION_TOUCH_INTERVAL"]:
            session["last_seen"] = now.timestamp()


def signed_in_user_id() -> int | None:
    """The id of the person signed in when the request began, without touching the database: after the request's
    commit every loaded row is expired, and reading ``current_user`` there (response headers, the access log)
    would load the person and their roles again."""
    user = g.get("_login_user")
    if not isinstance(user, User):
        return None
    identity = inspect(user).identity
    return identity[0] if identity else None


def start_session(user: User, *, new_visit: bool = True) -> None:
    """Called after a successful sign-in: a fresh session (ASVS 7.2.4) with timestamps.

    A new visit (a sign-in, not the fresh session after a password change) remembers when the person last
    signed in, for the dashboard's "decided since your last visit", and records this sign-in's time.
    """
    from flask_login import login_user

    previous_visit = user.last_sign_in_at.timestamp() if new_visit and user.last_sign_in_at else \
        session.get("previous_visit_at")
    session.clear()
    login_user(user)
    now = utcnow()
    session["signed_in_at"] = now.timestamp()
    session["last_seen"] = now.timestamp()
    session["previous_visit_at"] = previous_visit
    session.permanent = True
    if new_visit:
        user.last_sign_in_at = now


def previous_visit() -> datetime | None:
    """When the signed-in person's previous visit began (their sign-in before this one); None on a first."""
    at = session.get("previous_visit_at")
    return datetime.fromtimestamp(at, UTC) if at else None


def signing_needs_identity() -> bool:
    """21 CFR 11.200(a): the first signature of a session needs every component (e-mail and password);
    later ones in a continuous signing session need the password only. A signing session is continuous
    while the previous signature is less than SESSION_IDLE_TIMEOUT old."""
    last = session.get("last_signed_at")
    if not last:
        return True
    return utcnow() - datetime.fromtimestamp(last, UTC) > current_app.config["SESSION_IDLE_TIMEOUT"]


def note_signature() -> None:
    session["last_signed_at"] = utcnow().timestamp()
