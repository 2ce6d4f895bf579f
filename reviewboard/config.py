"""Configuration defaults.

Order of precedence (later wins): these defaults, ``instance/config.py``, environment variables
prefixed ``REVIEWBOARD_`` (plus the conventional ``DATABASE_URL``, ``SECRET_KEY`` and ``REDIS_URL``), then the
``test_config`` mapping given to :func:`reviewboard.create_app`.
"""

from __future__ import annotations

import os
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - refused outside the local demo


class Defaults:
    ORGANISATION_NAME = "ReviewBoard Demo Organisation"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # "demo" (local, http, demo accounts allowed) or "production" (refuses insecure settings)
    REVIEWBOARD_ENV = "demo"
    SQLALCHEMY_DATABASE_URI: str | None = None  # computed from the instance folder when unset
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Sessions: idle and absolute timeouts (ASVS 7.3.1/7.3.2), documented in the README
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    WTF_CSRF_TIME_LIMIT = 3600 * 12
    # Uploads: evidence up to 20 MiB (documented limit; 413 page above it)
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Text limits (documented in the README)
    MAX_SHORT_TEXT = 200
    MAX_LONG_TEXT = 5000
    PER_PAGE = 20
    BOOTSTRAP_SERVE_LOCAL = True
    # Signing key and certificate; relative paths are inside the instance folder
    SIGNING_KEY_PATH = "keys/signing-key.pem"
    SIGNING_CERT_PATH = "keys/signing-cert.pem"
    SIGNING_CHAIN_PATHS: tuple[str, ...] = ()
    SIGNING_PKCS12_PATH: str | None = None
    SIGNING_PKCS12_PASSWORD: str | None = None
    TRUST_ROOT_PATHS: tuple[str, ...] = ()  # defaults to the signing certificate
    TIMESTAMP_URL: str | None = None  # RFC 3161 TSA: records become PAdES B-T
    TIMESTAMP_TRUST_ROOT_PATHS: tuple[str, ...] = ()  # the TSA's root certificates
    # HMAC key for the audit chain, kept outside the database (created by `reviewboard keys init`)
    AUDIT_MAC_KEY_PATH = "keys/audit-mac.key"
    # Rate limits (Flask-Limiter). Counters live in this process's memory unless REDIS_URL (or
    # REVIEWBOARD_RATELIMIT_STORAGE_URI) names a Redis server: several app servers must share one.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "reviewboard"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute"
    SIGNING_FAILURE_LIMIT = 5
    SIGNING_FAILURE_WINDOW = timedelta(minutes=15)
    # argon2id cost of new password hashes: ASVS 5.0 appendix C (t=2, m=19 MiB); production refuses less.
    # The test suite lowers it (tests/conftest.py); a stored hash keeps the parameters it was made with.
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_COST = 19 * 1024  # KiB
    # Daily reminder digests (`reviewboard remind`): sent through SMTP when SMTP_HOST is set (environment:
    # REVIEWBOARD_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, REVIEWBOARD_MAIL_FROM), otherwise logged.
    SMTP_HOST: str | None = None
    SMTP_PORT = 25
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    MAIL_FROM = "ReviewBoard <reviewboard@localhost>"
    PUBLIC_URL = "http://localhost:5000"  # links in e-mails point here (REVIEWBOARD_PUBLIC_URL)
    # Separation of duties: an approval needs at least one signer who is not a chair
    # (REVIEWBOARD_CHAIR_CANNOT_APPROVE_ALONE=0 turns it off)
    CHAIR_CANNOT_APPROVE_ALONE = True
    # Anti-automation (ASVS 2.4.1): projects one person may register per period
    PROJECT_CREATION_LIMIT = "30 per hour"


def from_environment() -> dict:
    """Settings taken from the environment."""
    found: dict = {}
    if os.environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        found["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("REDIS_URL"):
        found["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    for name, value in os.environ.items():
        if name.startswith("REVIEWBOARD_") and name != "REVIEWBOARD_ENV":
            found[name.removeprefix("REVIEWBOARD_")] = value
    if os.environ.get("REVIEWBOARD_ENV"):
        found["REVIEWBOARD_ENV"] = os.environ["REVIEWBOARD_ENV"]
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url
