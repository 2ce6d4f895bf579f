"""Enrolment, verification and removal of a person's authenticator and recovery codes.

Every change is audited: mfa.enrolment_started, mfa.enrolled, mfa.disabled, mfa.recovery_code_used,
mfa.recovery_codes_regenerated. Services flush; the request commits.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

import pyotp
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from reviewboard.audit.services import record_event
from reviewboard.auth.models import User
from reviewboard.auth.passwords import check_password
from reviewboard.core.errors import ServiceError
from reviewboard.core.memo import request_memo
from reviewboard.extensions import db
from reviewboard.mfa import sealing
from reviewboard.mfa.models import RecoveryCode, TotpCredential
from reviewboard.models.base import utcnow

log = logging.getLogger("reviewboard.security")

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case: no 0/1/8 to confuse with letters
TOTP_ISSUER = "ReviewBoard"


def required_for(user: User) -> bool:
    """Whether the policy (MFA_REQUIRED_ROLES) makes this person use a second factor."""
    required = set(current_app.config["MFA_REQUIRED_ROLES"])
    return any(role.value in required for role in user.roles)


def credential(user: User) -> TotpCredential | None:
    return db.session.scalar(select(TotpCredential).where(TotpCredential.user_id == user.id))


def is_enabled(user: User) -> bool:
    """Whether ``user`` has an authenticator in force. Read once per request and person: the enrolment policy asks
    before every page of a person whose role requires it, and the stage page asks again for its signing form. The
    answer is kept on the request (never longer) and forgotten by the changes below that turn it on or off."""
    known = request_memo("mfa_enabled")
    if user.id not in known:
        known[user.id] = _enabled_now(user)
    return known[user.id]


def note_enabled(user: User, enabled: bool) -> None:
    """Remember for this request whether ``user``'s authenticator is in force, read by whoever loaded them (the
    session's user loader reads it with the person): :func:`is_enabled` then asks the database nothing."""
    request_memo("mfa_enabled")[user.id] = enabled


def _enabled_now(user: User) -> bool:
    found = credential(user)
    return found is not None and found.enabled


def _forget_enabled(user: User) -> None:
    request_memo("mfa_enabled").pop(user.id, None)


def secret_of(user: User, found: TotpCredential) -> str:
    return sealing.unseal(user.id, found.secret_sealed)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def begin_enrolment(user: User) -> TotpCredential:
    """A pending authenticator with a new secret (an earlier pending one is replaced). Raises ServiceError when
    one is already in force: disable it first."""
    found = credential(user)
    if found is not None and found.enabled:
        raise ServiceError(_("Two-step verification is already on. Turn it off first to enrol another app."))
    secret = pyotp.random_base32()  # 32 base32 characters: 160 bits, RFC 4226's recommended length
    if found is None:
        found = TotpCredential(user_id=user.id, secret_sealed="")
        db.session.add(found)
    found.secret_sealed = sealing.seal(user.id, secret)
    found.created_at, found.last_step = utcnow(), None
    db.session.flush()
    record_event(user, "mfa.enrolment_started", "user", user.id)
    return found


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace())


def _matching_step(user: User, found: TotpCredential, code: str) -> int | None:
    """The time step (now, or one either side for clock drift) whose code this is, and later than the last one
    accepted; None otherwise."""
    code = _digits(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret_of(user, found))
    now_step = totp.timecode(utcnow())
    for step in (now_step - 1, now_step, now_step + 1):
        if found.last_step is not None and step <= found.last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def _accept_step(found: TotpCredential, step: int) -> bool:
    """Take the step with one conditional UPDATE: of two requests with the same code, one wins."""
    taken = db.session.execute(
        update(TotpCredential).where(TotpCredential.id == found.id,
                                     (TotpCredential.last_step.is_(None)) | (TotpCredential.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False))
    db.session.refresh(found)
    return taken.rowcount == 1


def verify_totp(user: User, code: str) -> bool:
    """Whether ``code`` is a current code of the person's authenticator in force, not used before; a code
    accepted once is refused afterwards (the step is remembered)."""
    found = credential(user)
    if found is None or not found.enabled:
        return False
    step = _matching_step(user, found, code)
    if step is None or not _accept_step(found, step):
        log.warning("mfa.code_refused user=%s", user.id)
        return False
    return True


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the person's unused recovery codes (audited with how many remain); False when it is not one."""
    normal = _normalise_recovery(code)
    if len(normal) != 24:
        return False
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(normal),
                                   RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        log.warning("mfa.recovery_code_refused user=%s", user.id)
        return False
    left = remaining_recovery_codes(user)
    record_event(user, "mfa.recovery_code_used", "user", user.id, after={"remaining": left})
    log.info("mfa.recovery_code_used user=%s remaining=%s", user.id, left)
    return True


def verify_second_factor(user: User, code: str) -> str | None:
    """"totp" or "recovery code" when ``code`` is a current authenticator code or an unused recovery code (which
    it then spends); None otherwise."""
    if len(_digits(code)) == 6:
        return "totp" if verify_totp(user, code) else None
    return "recovery code" if use_recovery_code(user, code) else None


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of the person by RECOVERY_CODE_COUNT new ones; returns them (shown once)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(24))  # 24 x 5 bits = 120 bits
        codes.append("-".join(raw[i:i + 4] for i in range(0, 24, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    db.session.flush()
    return codes


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the pending authenticator on once a first code from it is right; returns the new recovery codes.
    Raises ServiceError (field "code") when there is nothing pending or the code is wrong."""
    found = credential(user)
    if found is None or found.enabled:
        raise ServiceError(_("Start the set-up again: there is no authenticator waiting for confirmation."), "code")
    step = _matching_step(user, found, code)
    if step is None or not _accept_step(found, step):
        raise ServiceError(_("That code is not right. Check the app's clock and enter the code it shows now."), "code")
    found.confirmed_at = utcnow()
    _forget_enabled(user)
    codes = _new_recovery_codes(user)
    record_event(user, "mfa.enrolled", "user", user.id, after={"method": "totp", "recovery_codes": len(codes)})
    log.info("mfa.enrolled user=%s", user.id)
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """New recovery codes for a current authenticator code; the old ones stop working. Raises ServiceError."""
    if not is_enabled(user):
        raise ServiceError(_("Two-step verification is not on."))
    if not verify_totp(user, code):
        raise ServiceError(_("That code is not right, or was already used. Enter the code the app shows now."), "code")
    codes = _new_recovery_codes(user)
    record_event(user, "mfa.recovery_codes_regenerated", "user", user.id, after={"recovery_codes": len(codes)})
    return codes


def disable(user: User, password: str, code: str) -> None:
    """Remove the authenticator and recovery codes; needs the password and a code (or a recovery code).
    Raises ServiceError naming the field that is wrong."""
    if not is_enabled(user):
        raise ServiceError(_("Two-step verification is not on."))
    if not check_password(user.password_hash, password or ""):
        raise ServiceError(_("The password is not correct."), "password")
    method = verify_second_factor(user, code)
    if method is None:
        raise ServiceError(_("That code is not right, or was already used."), "code")
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.flush()
    _forget_enabled(user)
    record_event(user, "mfa.disabled", "user", user.id, after={"confirmed_with": method})
    log.info("mfa.disabled user=%s", user.id)


def enrol_with_secret(user: User, secret: str) -> None:
    """Enrol ``secret`` directly, for the local demo's chair (reviewboard/demo.py): no recovery codes."""
    found = credential(user) or TotpCredential(user_id=user.id, secret_sealed="")
    found.secret_sealed = sealing.seal(user.id, secret)
    found.confirmed_at, found.last_step = utcnow(), None
    db.session.add(found)
    db.session.flush()
    _forget_enabled(user)
    record_event(None, "mfa.enrolled", "user", user.id, after={"method": "totp", "by": "demo seed"})
