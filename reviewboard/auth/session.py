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
from sqlalchemy import bindparam, exists, inspect, select
from sqlalchemy.orm import make_transient_to_detached

from reviewboard.auth.models import Role, User, UserRole
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
    """The person's columns, whether their authenticator is in force and which of the four roles they hold, in one
    statement (the enrolment policy, mfa/views.py, asks the authenticator before every page of a person whose role
    requires it), read as a plain row: one EXISTS per role instead of a join, so one row and no ORM loading of the
    person's role rows. Built once, at the first request, not at import, where it would configure every mapper
    before the other packages' models exist."""
    holds = [exists().where(UserRole.user_id == User.id, UserRole.role == role.value).label(f"holds_{role.value}")
             for role in Role]
    return (select(*User.__table__.c, TotpCredential.confirmed_at.is_not(None).label("mfa_enabled"), *holds)
            .outerjoin(TotpCredential, TotpCredential.user_id == User.id).where(User.id == bindparam("user_id")))


@functools.cache
def _person_keys() -> tuple[str, ...]:
    mapper = inspect(User)
    return tuple(mapper.get_property_by_column(column).key for column in User.__table__.c)


def _person(row) -> User:
    """The signed-in person as a real User of the request's session (its relationships load when read, it is saved
    like any other), made from the row without the ORM's loading: the person is the session's first object, so
    there is no other copy of them to reconcile, unless something loaded them before (then that one is the person)."""
    mapper = inspect(User)
    known = db.session.identity_map.get(mapper.identity_key_from_primary_key((row.id,)))
    if known is not None:
        return known
    user = mapper.class_manager.new_instance()
    user.__dict__.update(zip(_person_keys(), row, strict=False))  # the row's first columns are the table's
    make_transient_to_detached(user)
    db.session.add(user)
    user.note_roles(role for role in Role if row._mapping[f"holds_{role.value}"])
    return user


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
        row = db.session.connection().execute(_person_query(), {"user_id": int(user_id)}).first()
        if row is None or not row.active or row.session_token != token:
            return None
        user = _person(row)
        mfa_services.note_enabled(user, row.mfa_enabled)
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
