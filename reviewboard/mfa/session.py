"""The half-signed-in state between the password and the second factor.

After a right password, a person with an authenticator is not signed in: the session holds only who they are
and their session token, for MFA_SIGN_IN_WINDOW. A right code then starts the real session
(auth.session.start_session); a sign-out elsewhere, a password change or a deactivation meanwhile rotates the
token and voids the pending step.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, session

from reviewboard.auth.models import User
from reviewboard.extensions import db
from reviewboard.models.base import utcnow

PENDING = "mfa_pending"


def hold_for_second_step(user: User) -> None:
    session.clear()
    session[PENDING] = {"user_id": user.id, "token": user.session_token, "at": utcnow().timestamp()}


def pending_user() -> User | None:
    """The person who gave a right password and owes a code, while the window is open; else None."""
    held = session.get(PENDING)
    if not isinstance(held, dict):
        return None
    started = datetime.fromtimestamp(held.get("at", 0), UTC)
    if utcnow() - started > current_app.config["MFA_SIGN_IN_WINDOW"]:
        return None
    user = db.session.get(User, int(held.get("user_id", 0)))
    if user is None or not user.active or user.session_token != held.get("token"):
        return None
    return user


def pending_key() -> str:
    """The rate-limit key of code attempts: the account being signed in to (whoever sends them)."""
    held = session.get(PENDING)
    return f"mfa:{held.get('user_id') if isinstance(held, dict) else 'none'}"


def drop_pending() -> None:
    session.pop(PENDING, None)
