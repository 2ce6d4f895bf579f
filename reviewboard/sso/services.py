"""Accounts from the identity provider's verified claims, and signing intents waiting for a fresh login.

Each change is audited: sso.signed_in, sso.user_created (just in time), sso.linked (an existing account met at
its first SSO sign-in), sso.roles_mapped (the role claim changed the roles) and sso.refused (with the reason).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.services import record_event
from reviewboard.auth.models import Role, User, UserRole
from reviewboard.auth.services import find_user_by_email
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.sso.client import SsoRefused, VerifiedLogin
from reviewboard.sso.models import SigningIntent, SsoIdentity

log = logging.getLogger("reviewboard.security")

# a password hash no password matches (argon2 refuses it as malformed): accounts made by SSO sign in there only
NO_LOCAL_PASSWORD = "!sso"  # noqa: S105 - a marker, not a secret


def record_refusal(refusal: SsoRefused, user: User | None = None) -> None:
    record_event(user, "sso.refused", "user" if user else "sso", user.id if user else "-",
                 after={"reason": refusal.reason, **refusal.detail})
    log.warning("sso.refused reason=%s %s", refusal.reason, refusal.detail)


def mapped_roles(claims: dict) -> set[Role] | None:
    """The roles the configured claim grants (None when no role claim is configured)."""
    claim = current_app.config.get("OIDC_ROLE_CLAIM")
    if not claim:
        return None
    values = claims.get(claim) or []
    values = [values] if isinstance(values, str) else [v for v in values if isinstance(v, str)]
    roles: set[Role] = set()
    for value in values:
        granted = current_app.config["OIDC_ROLE_MAP"].get(value) or []
        for role in [granted] if isinstance(granted, str) else granted:
            roles.add(Role(role))
    return roles


def _set_roles(user: User, roles: set[Role]) -> None:
    keep = [row for row in user.role_rows if Role(row.role) in roles]
    have = {Role(row.role) for row in keep}
    user.role_rows = keep + [UserRole(role=r.value) for r in sorted(roles - have)]


def sign_in(login: VerifiedLogin) -> User:
    """The account for a verified login: by (issuer, subject) once linked, else by the verified e-mail (linked
    then), else created just in time. Roles follow the role claim when one is configured. Raises SsoRefused
    (the caller audits it) for an unverified address, a deactivated account, an account linked to another
    subject, or no role to give (the claim maps to none and OIDC_DEFAULT_ROLES is empty)."""
    claims = login.claims
    email = (claims.get("email") or "").strip().lower()
    if not email or "@" not in email or len(email) > 254:
        raise SsoRefused("no_email", _("Your identity provider did not share your e-mail address."),
                         subject=login.subject)
    if claims.get("email_verified") is not True:
        raise SsoRefused("email_not_verified", _("Your identity provider has not verified your e-mail address, so "
                           "it cannot sign you in here."), email=email)
    identity = db.session.scalar(select(SsoIdentity).where(SsoIdentity.issuer == login.issuer,
                                                           SsoIdentity.subject == login.subject))
    user = identity.user if identity else find_user_by_email(email)
    roles = mapped_roles(claims)
    if roles is not None and not roles:  # the claim grants nothing: the default roles, if any
        roles = {Role(r) for r in current_app.config["OIDC_DEFAULT_ROLES"]}
        if not roles:
            raise SsoRefused("no_role", _("Your identity provider gives you no role in ReviewBoard. Ask an "
                               "administrator."), email=email)
    if user is not None and identity is None:
        linked = db.session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))
        if linked is not None:  # the address now belongs to someone else at the provider
            raise SsoRefused("subject_mismatch", _("This account is linked to another identity at your provider. "
                               "Ask an administrator."), email=email, subject=login.subject)
    if user is not None and not user.active:
        raise SsoRefused("deactivated", _("Your ReviewBoard account is deactivated."), email=email)
    if user is None:
        roles = roles if roles is not None else {Role(r) for r in current_app.config["OIDC_DEFAULT_ROLES"]}
        if not roles:
            raise SsoRefused("no_role", _("Your identity provider gives you no role in ReviewBoard. Ask an "
                               "administrator."), email=email)
        name = (claims.get("name") or email.split("@")[0]).strip()[:200]
        user = User(email=email, name=name, password_hash=NO_LOCAL_PASSWORD)
        _set_roles(user, roles)
        db.session.add(user)
        db.session.flush()
        record_event(None, "sso.user_created", "user", user.id,
                     after={"email": email, "name": name, "issuer": login.issuer, "subject": login.subject,
                            "roles": sorted(r.value for r in roles)})
        log.info("sso.user_created user=%s", user.id)
    elif roles is not None and roles != user.roles:
        before = sorted(r.value for r in user.roles)
        _set_roles(user, roles)
        db.session.flush()
        record_event(None, "sso.roles_mapped", "user", user.id, before={"roles": before},
                     after={"roles": sorted(r.value for r in roles), "claim": current_app.config["OIDC_ROLE_CLAIM"],
                            "issuer": login.issuer})
    if identity is None:
        db.session.add(SsoIdentity(user_id=user.id, issuer=login.issuer, subject=login.subject))
        db.session.flush()
        record_event(None, "sso.linked", "user", user.id, after={"issuer": login.issuer, "subject": login.subject})
    record_event(user, "sso.signed_in", "user", user.id, after={"issuer": login.issuer})
    log.info("sso.signed_in user=%s", user.id)
    return user


def identity_of(user: User) -> SsoIdentity | None:
    return db.session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))


@dataclass(frozen=True)
class Reauthentication:
    """Proof that the signer just logged in again: at which provider, when (auth_time), and since when the
    signature was waiting for it. SigningRefused unless the login happened after the signing began."""
    issuer: str
    auth_time: int | None
    requested_at: datetime

    @property
    def method(self) -> str:
        return f"oidc {self.issuer}"

    @property
    def fresh(self) -> bool:
        # auth_time is in whole seconds: a login in the second the signing began counts
        return self.auth_time is not None and self.auth_time >= int(self.requested_at.timestamp())

    @property
    def auth_time_iso(self) -> str | None:
        return datetime.fromtimestamp(self.auth_time, UTC).isoformat() if self.auth_time is not None else None


def start_signing(user: User, stage, decision: dict) -> SigningIntent:
    """Keep the decision ``user`` asked to sign on the stage's current round while they log in again."""
    now = utcnow()
    intent = SigningIntent(token=secrets.token_urlsafe(32), user_id=user.id, stage_review_id=stage.id,
                           round_number=stage.round_number, decision=decision, started_at=now,
                           expires_at=now + current_app.config["OIDC_SIGNING_TIMEOUT"])
    db.session.add(intent)
    db.session.flush()
    record_event(user, "signature.reauthentication_started", "stage_review", stage.id,
                 after={"round": stage.round_number, "issuer": current_app.config["OIDC_ISSUER"]})
    return intent


def take_signing_intent(user: User, token: str | None) -> SigningIntent:
    """The user's unused, unexpired intent (marked used). Raises SsoRefused."""
    intent = db.session.scalar(select(SigningIntent).where(SigningIntent.token == (token or "")))
    if intent is None or intent.user_id != user.id or intent.used_at is not None:
        raise SsoRefused("signing_intent", _("This signature was already completed or was not started here."))
    if utcnow() > intent.expires_at:
        raise SsoRefused("signing_expired", _("The signature waited too long for your login. Sign again."))
    intent.used_at = utcnow()
    db.session.flush()
    return intent
