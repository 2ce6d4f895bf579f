"""Creating, authenticating and revoking personal access tokens. Services flush; the boundary commits."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.core.boundary import after_rollback
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.tokens.models import AccessToken, Scope

log = logging.getLogger("reviewboard.tokens")

TOKEN_PREFIX = "rbp_"  # noqa: S105 (marks a string as a ReviewBoard token; secret scanners match it)
MAX_LIFETIME_DAYS = 366
_DURATION = re.compile(r"^(\d{1,4})([dhw])$")


def token_hash(secret: str) -> str:
    # the secret has 256 random bits: a fast hash is enough (nothing to guess), and a lookup by hash is exact
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def parse_lifetime(text: str) -> timedelta:
    """"30d", "12h", "2w" -> a timedelta of at most a year. Raises ServiceError naming ``expires``."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise ServiceError(_("Give a lifetime such as 30d, 12h or 2w."), "expires")
    amount, unit = int(match.group(1)), match.group(2)
    lifetime = {"d": timedelta(days=amount), "h": timedelta(hours=amount), "w": timedelta(weeks=amount)}[unit]
    if lifetime <= timedelta(0) or lifetime > timedelta(days=MAX_LIFETIME_DAYS):
        raise ServiceError(_("A token lives between an hour and %(days)d days.", days=MAX_LIFETIME_DAYS), "expires")
    return lifetime


@dataclass
class NewToken:
    token: AccessToken
    secret: str  # shown once, never stored


def create_token(actor: User, owner: User, name: str, scope: str, lifetime: timedelta | None) -> NewToken:
    """A token for ``owner`` (people create their own; the CLI acts as nobody). Raises ServiceError by field."""
    if actor is not None and actor.id != owner.id:
        raise NotPermitted(_("People create their own tokens."))
    if not owner.active:
        raise ServiceError(_("This account is deactivated."), "email")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ServiceError(_("Name the token (what uses it), up to 200 characters."), "name")
    if scope not in {s.value for s in Scope}:
        raise ServiceError(_("Choose read, submit or admin."), "scope")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = AccessToken(user_id=owner.id, name=name, prefix=secret[:12], token_hash=token_hash(secret),
                        scopes=[scope], created_at=now, expires_at=now + lifetime if lifetime else None)
    db.session.add(token)
    db.session.flush()
    record_event(actor, "token.created", "access_token", token.id,
                 after={"user": owner.id, "name": name, "scopes": [scope], "prefix": token.prefix,
                        "expires_at": token.expires_at.isoformat() if token.expires_at else None})
    log.info("token %s created for user %s", token.id, owner.id)
    return NewToken(token, secret)


def authenticate(secret: str, address: str | None, now: datetime | None = None) -> AccessToken | None:
    """The usable token with this secret, its last use noted (an audit event when the address is new), or None:
    unknown, revoked, expired, or its user deactivated (checked on every request, so it stops at once).

    The use is noted in the request's transaction, which a refused request (4xx) rolls back; in a request it
    is therefore noted again after that rollback, on its own (core.boundary.after_rollback). Not with
    keep_changes, which would keep the refused request's writes too; not on a second connection, which on
    SQLite would wait for the request's own write lock. A token probing from a new address with requests that
    are all refused is exactly what its owner must see in the audit trail.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(secret)))
    if token is None or not token.usable(now):
        return None
    _note_use(token, address, now)
    if has_request_context():
        token_id = token.id
        after_rollback(lambda: _note_use(db.session.get(AccessToken, token_id), address, now))
    return token


def _note_use(token: AccessToken | None, address: str | None, now: datetime) -> None:
    """Last use (at most one write a minute per token) and address; a new address is an audit event. Flushes."""
    if token is None:
        return
    if address and address != token.last_used_address:
        record_event(token.user, "token.used_from_new_address", "access_token", token.id,
                     before={"address": token.last_used_address}, after={"address": address})
        token.last_used_address = address
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    db.session.flush()


def revoke_token(actor: User, token: AccessToken) -> None:
    if actor.id != token.user_id:
        raise NotPermitted(_("People revoke their own tokens."))
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.flush()
    record_event(actor, "token.revoked", "access_token", token.id, before={"revoked": False},
                 after={"revoked": True, "prefix": token.prefix})


def tokens_of(user: User) -> list[AccessToken]:
    return list(db.session.scalars(select(AccessToken).where(AccessToken.user_id == user.id)
                                   .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())))
