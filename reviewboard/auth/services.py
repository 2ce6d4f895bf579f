"""Accounts: creation, authentication, password change, deactivation, signing re-authentication."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.auth.models import Role, User, UserRole, new_session_token
from reviewboard.auth.passwords import check_password, hash_password, password_problem
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import utcnow

log = logging.getLogger("reviewboard.security")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(actor: User | None, email: str, name: str, password: str, roles: set[Role | str]) -> User:
    email = email.strip().lower()
    name = name.strip()
    if not email or "@" not in email:
        raise ServiceError(_("Enter a valid e-mail address."), "email")
    if not name:
        raise ServiceError(_("Enter the person's full name."), "name")
    if find_user_by_email(email) is not None:
        raise ServiceError(_("An account with this e-mail address already exists (addresses are never reused)."),
                           "email")
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, "password")
    if not roles:
        raise ServiceError(_("Choose at least one role."), "roles")
    user = User(email=email, name=name, password_hash=hash_password(password))
    user.role_rows = [UserRole(role=Role(r).value) for r in sorted({Role(r) for r in roles})]
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.created", "user", user.id, after={"email": email, "name": name,
                                                                 "roles": sorted(r.value for r in user.roles)})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Failures are logged, never detailed to the user."""
    user = find_user_by_email(email)
    if user is None or not check_password(user.password_hash if user else None, password) or not user.active:
        log.warning("login.failure account=%r", email.strip().lower()[:254])
        return None
    log.info("login.success user=%s", user.id)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password(user.password_hash, current):
        raise ServiceError(_("Your current password is not correct."), "current_password")
    problem = password_problem(new)
    if problem:
        raise ServiceError(problem, "new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()  # ends every other session
    db.session.flush()
    record_event(user, "user.password_changed", "user", user.id)


def end_sessions(user: User) -> None:
    user.session_token = new_session_token()
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> int:
    """(De)activate an account. Either way its sessions end (the session token rotates); deactivating also
    revokes its API tokens, so reactivating it later brings none back. Returns the number of tokens revoked.
    Every path that deactivates (the account page, the people list, the CLI) comes through here."""
    from reviewboard.tokens.models import AccessToken  # tokens' models import auth's

    if user.active == active:
        return 0
    if actor.id == user.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    user.active = active
    user.session_token = new_session_token()
    tokens = [] if active else list(db.session.scalars(
        select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))))
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    db.session.flush()
    record_event(actor, "user.activated" if active else "user.deactivated", "user", user.id,
                 before={"active": not active}, after={"active": active})
    for token in tokens:
        record_event(actor, "token.revoked", "access_token", token.id, before={"revoked": False},
                     after={"revoked": True, "prefix": token.prefix, "reason": "account deactivated"})
    return len(tokens)


def recent_signing_failures(user: User) -> int:
    window: timedelta = current_app.config["SIGNING_FAILURE_WINDOW"]
    since = utcnow() - window
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "signature.failed", AuditEvent.object_type == "user",
            AuditEvent.object_id == str(user.id), AuditEvent.created_at >= since)
    ) or 0


def signing_blocked(user: User) -> bool:
    return recent_signing_failures(user) >= current_app.config["SIGNING_FAILURE_LIMIT"]


def people_by_id(ids, *, roles: bool = False) -> dict[int, User]:
    """These people (ids; None ignored) read in one statement, by id; ``roles``: and their roles in a second."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    stmt = select(User).where(User.id.in_(wanted))
    return {u.id: u for u in db.session.scalars(stmt.options(selectinload(User.role_rows)) if roles else stmt)}


def role_holders_query(role: Role):
    """The active people who hold ``role``, by name: read from the role's rows (ix_user_role_role_user_id)."""
    return select(User).join(UserRole).where(UserRole.role == role.value, User.active.is_(True)).order_by(User.name)


def users_with_role(role: Role) -> list[User]:
    return list(db.session.scalars(role_holders_query(role)))
