"""Two-step verification in tests: codes made by pyotp from the secret, as an authenticator app makes them."""

from __future__ import annotations

import time

import pyotp

from reviewboard.mfa import services as mfa
from reviewboard.models.base import utcnow


def code(secret: str, steps: int = 0) -> str:
    """The code an app shows ``steps`` 30-second steps from now (the server accepts one step either side)."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(utcnow()) + steps)


def enrol(user) -> tuple[str, list[str]]:
    """Enrol ``user`` through the services, confirming with the previous step's code so that the current and
    the next step's codes are still unused. Returns (secret, recovery codes).

    The previous step's code is accepted only while the server's step is the one it was made in: made in the last
    moments of a step and checked in the next, it is two steps old and refused (a clean-clone run failed so). So it is
    made at least two seconds before a step ends."""
    secret = mfa.secret_of(user, mfa.begin_enrolment(user))
    left = 30 - utcnow().timestamp() % 30
    if left < 2:
        time.sleep(left + 0.05)
    return secret, mfa.confirm_enrolment(user, code(secret, -1))


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the codes accepted now."""
    accepted = {code(secret, s) for s in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1000)) if c not in accepted)
