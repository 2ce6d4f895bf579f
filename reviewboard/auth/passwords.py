"""Password hashing with argon2id at or above ASVS 5.0 appendix C (t=2, m=19 MiB).

The cost comes from the configuration (PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MEMORY_COST); production keeps
the defaults and refuses to start below them. The test suite lowers them: each hash would otherwise cost it
0.15-0.2 s. A stored hash carries its own parameters, so verifying never depends on the configuration.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from flask_babel import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 128
TIME_COST = 2  # ASVS 5.0 appendix C minimum for argon2id
MEMORY_COST = 19 * 1024  # KiB


@lru_cache(maxsize=4)
def _hasher_at(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A constant hash to verify against when the account does not exist, so timing does not reveal it."""
    return hasher.hash("not-a-real-password-but-equal-work")


def _hasher() -> PasswordHasher:
    config = current_app.config if has_app_context() else {}
    return _hasher_at(int(config.get("PASSWORD_HASH_TIME_COST", TIME_COST)),
                      int(config.get("PASSWORD_HASH_MEMORY_COST", MEMORY_COST)))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(hasher), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, from zxcvbn's bundled frequency list (no network)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    return password.lower() in _common_passwords()


def password_problem(password: str) -> str | None:
    """Length and common-password rules (ASVS 6.2.1, 6.2.4, 6.2.9; no composition rules); None when fine."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(num)d characters.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(num)d characters.", num=MAX_LENGTH)
    if is_common(password):
        return _("This password is on a list of commonly used passwords. Choose another; a passphrase works well.")
    return None
