"""Account administration and people's own profiles: roles changed with a reason, deactivation that ends
sessions and revokes API tokens at once, reactivation, and the profile (name, language, digest).

E-mail addresses are not edited: an address names one person for good (reviewboard/auth/services.create_user
refuses one ever used). Every change is an audit event in the same transaction.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from reviewboard.accounts.permissions import can_administer_accounts, can_edit_profile
from reviewboard.audit.services import record_event
from reviewboard.auth.models import Role, User, UserRole
from reviewboard.auth.services import set_active
from reviewboard.core.errors import NotPermitted, ServiceError
from reviewboard.extensions import db
from reviewboard.i18n.languages import LANGUAGES
from reviewboard.i18n.zones import canonical_zone

log = logging.getLogger("reviewboard.security")

REASON_MIN = 5


def _check_admin(actor: User) -> None:
    if not can_administer_accounts(actor):
        raise NotPermitted("Only administrators (committee chairs) manage accounts.")


def change_roles(actor: User, user: User, roles: set[str], reason: str) -> bool:
    """Give ``user`` exactly ``roles``; False when they already had them. Raises NotPermitted or ServiceError
    (no role, unknown role, no reason, an administrator removing their own chair role)."""
    _check_admin(actor)
    reason = (reason or "").strip()
    try:
        wanted = {Role(r) for r in roles}
    except ValueError:
        raise ServiceError(_("Choose among the listed roles."), "roles") from None
    if not wanted:
        raise ServiceError(_("Choose at least one role."), "roles")
    if len(reason) < REASON_MIN:
        raise ServiceError(_("Say why the roles change (it is kept in the audit trail)."), "reason")
    if actor.id == user.id and Role.CHAIR in user.roles and Role.CHAIR not in wanted:
        raise ServiceError(_("You cannot remove your own chair role: another chair can."), "roles")
    before = sorted(r.value for r in user.roles)
    after = sorted(r.value for r in wanted)
    if before == after:
        return False
    for row in [r for r in user.role_rows if Role(r.role) not in wanted]:
        user.role_rows.remove(row)
    for role in sorted(wanted - user.roles):
        user.role_rows.append(UserRole(role=role.value))
    db.session.flush()
    record_event(actor, "user.roles_changed", "user", user.id, before={"roles": before},
                 after={"roles": after, "reason": reason})
    log.info("user.roles_changed user=%s by=%s roles=%s", user.id, actor.id, ",".join(after))
    return True


def deactivate(actor: User, user: User) -> int:
    """Deactivate the account (``set_active``: its sessions end and its API tokens are revoked). Returns the
    number of tokens revoked."""
    _check_admin(actor)
    revoked = set_active(actor, user, False)
    log.info("user.deactivated user=%s by=%s tokens_revoked=%s", user.id, actor.id, revoked)
    return revoked


def reactivate(actor: User, user: User) -> None:
    _check_admin(actor)
    set_active(actor, user, True)


def update_profile(user: User, name: str, language: str, digest_enabled: bool,
                   time_zone: str | None = None) -> list[str]:
    """The person's own name (printed on their future signatures; past ones keep the name they were signed
    with), interface language, daily digest and time zone (an IANA name, "" for the organisation's
    DISPLAY_TIMEZONE; None leaves it as it is). Returns the fields changed. Raises ServiceError."""
    if not can_edit_profile(user):
        raise NotPermitted("Sign in with an active account to change your profile.")
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_("Enter your full name."), "name")
    if len(name) > 200:
        raise ServiceError(_("Keep the name under 200 characters."), "name")
    if language and language not in LANGUAGES:  # "": none chosen, the browser's language is used
        raise ServiceError(_("Choose one of the listed languages."), "language")
    wanted = {"name": name, "language": language, "digest_enabled": bool(digest_enabled)}
    if time_zone is not None:
        wanted["time_zone"] = _zone(time_zone)
    changed = [k for k, v in wanted.items() if getattr(user, k) != v]
    if not changed:
        return []
    before = {k: getattr(user, k) for k in changed}
    for k in changed:
        setattr(user, k, wanted[k])
    db.session.flush()
    record_event(user, "user.profile_changed", "user", user.id, before=before, after={k: wanted[k] for k in changed})
    return changed


def _zone(time_zone: str) -> str | None:
    """The stored time zone: the IANA name as the database spells it, None for the organisation's."""
    if not time_zone.strip():
        return None
    zone = canonical_zone(time_zone)
    if zone is None:
        raise ServiceError(_("“%(zone)s” is not a time zone: give an IANA name such as Asia/Shanghai or "
                             "Europe/London, or leave it empty.", zone=time_zone.strip()[:64]), "time_zone")
    return zone


def set_language(user: User, language: str) -> bool:
    """The language switcher's change of the interface language alone (same audit event as the profile form).
    Returns whether it changed. Raises ServiceError for a language not offered."""
    return bool(update_profile(user, user.name, language, user.digest_enabled))
