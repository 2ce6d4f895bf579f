"""Configuration defaults.

Order of precedence (later wins): these defaults, ``instance/config.py``, environment variables
prefixed ``REVIEWBOARD_`` (plus the conventional ``DATABASE_URL``, ``SECRET_KEY`` and ``REDIS_URL``), then the
``test_config`` mapping given to :func:`reviewboard.create_app`.

An environment value takes the type of the setting's default (see :func:`convert`); a value that does not
fit stops the start with a :class:`ConfigurationError` naming the variable.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - refused outside the local demo


RECORD_LANGUAGES = ("en", "zh-Hans", "both")  # RECORD_LANGUAGE's values: one of LANGUAGES, or both of them


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or malformed: the application refuses to start."""


class Defaults:
    ORGANISATION_NAME = "ReviewBoard Demo Organisation"
    # Interface language (reviewboard/i18n): a person's profile language, else the browser's Accept-Language, else
    # this (a code of reviewboard/i18n/languages.py's LANGUAGES: "en", "zh-Hans"). Pages show times in
    # DISPLAY_TIMEZONE (an IANA name such as "Asia/Shanghai"); the database and records keep UTC.
    DEFAULT_LANGUAGE = "en"
    DISPLAY_TIMEZONE = "UTC"
    # the language records are issued in: "en", "zh-Hans", or "both" (each label and criterion text in English,
    # then in Simplified Chinese); the record's embedded JSON carries both texts whatever this says
    RECORD_LANGUAGE = "en"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # "demo" (local, http, demo accounts allowed) or "production" (refuses insecure settings)
    REVIEWBOARD_ENV = "demo"
    SQLALCHEMY_DATABASE_URI: str | None = None  # computed from the instance folder when unset
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Sessions: idle and absolute timeouts (ASVS 7.3.1/7.3.2), documented in the README
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # how often a busy session's last-seen time is written back to its cookie (re-signed and sent again); the
    # cookie is not re-sent on the requests in between (SESSION_REFRESH_EACH_REQUEST off)
    SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    WTF_CSRF_TIME_LIMIT = 3600 * 12
    # Uploads: evidence up to 20 MiB (documented limit; 413 page above it)
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    PER_PAGE = 20
    # The audit trail page (/audit): events per keyset page; the longest trail "Verify the chain" checks within a
    # request (longer: `reviewboard audit verify` on the server); the most events one CSV export holds
    AUDIT_PER_PAGE = 50
    AUDIT_VERIFY_WEB_MAX = 200_000
    AUDIT_EXPORT_MAX_ROWS = 50_000
    INVENTORY_EXPORT_MAX_ROWS = 10_000  # systems in one inventory export (CSV or XLSX)
    EXPORT_MAX_ROWS = 50_000  # rows in one export of the queue, the conditions or the decisions (CSV or XLSX)
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
    # A signed checkpoint of the audit trail whenever there are new events and the newest checkpoint is older
    # than this: only events younger than it can be dropped without trace (`audit verify --max-tail`)
    AUDIT_CHECKPOINT_INTERVAL = timedelta(minutes=5)
    # Rate limits (Flask-Limiter). Counters live in this process's memory unless REDIS_URL (or
    # REVIEWBOARD_RATELIMIT_STORAGE_URI) names a Redis server: several app servers must share one.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "reviewboard"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute"
    API_TOKEN_LIMIT = "600 per minute"  # noqa: S105 (a rate, not a secret); per personal access token, in the same storage as the sign-in limits
    # The public verify page: anonymous uploads per address, and their size (a record is tens of KiB; a large
    # file costs seconds of parsing, so it is refused before it is read)
    VERIFY_LIMIT_PER_ADDRESS = "10 per minute"
    VERIFY_MAX_BYTES = 2 * 1024 * 1024
    # Stored records' bytes each app process keeps in memory for their downloads (records/kept_bytes.py; a record
    # never changes, and the permission is asked of the database on every download); 0 keeps none
    RECORD_CACHE_BYTES = 32 * 1024 * 1024
    # Two-step verification (reviewboard/mfa): the roles that must use it (colon-separated in the environment:
    # REVIEWBOARD_MFA_REQUIRED_ROLES=chair:auditor; empty: optional for everyone); code attempts per account at
    # sign-in and on the settings page; how long the code step waits after a right password. The TOTP secrets are
    # encrypted with MFA_ENCRYPTION_KEY, or a key derived from SECRET_KEY when it is unset (mfa/sealing.py).
    MFA_REQUIRED_ROLES: tuple[str, ...] = ("chair",)
    MFA_CODE_LIMIT_PER_ACCOUNT = "5 per minute"
    MFA_SIGN_IN_WINDOW = timedelta(minutes=5)
    MFA_ENCRYPTION_KEY: str | None = None
    # Password reset by e-mail (reviewboard/reset): a link's lifetime, and requests per address and per account
    PASSWORD_RESET_TTL = timedelta(minutes=30)
    PASSWORD_RESET_LIMIT_PER_ADDRESS = "10 per hour"  # noqa: S105 (a rate, not a secret)
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = "3 per hour"  # noqa: S105 (a rate, not a secret)
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
    # `reviewboard serve` (gunicorn; its options override these). 0 workers: automatic, one until REDIS_URL lets
    # workers share rate-limit counters (ops/serving.py). Requests in flight get GRACEFUL_TIMEOUT seconds after
    # SIGTERM; a worker silent for TIMEOUT seconds is restarted.
    SERVE_WORKERS = 0
    SERVE_THREADS = 4
    SERVE_TIMEOUT = 60
    SERVE_GRACEFUL_TIMEOUT = 30
    # Reverse proxies in front that add X-Forwarded-For/-Proto/-Host/-Port (0: none; see ops/serving.py)
    TRUSTED_PROXIES = 0
    # One JSON line per request on the reviewboard.access logger (ops/access_log.py)
    ACCESS_LOG = True
    # Jobs (jobs/outbox.py): records and digests are made after the commit that asks for them. With REDIS_URL
    # they go through RQ (`reviewboard worker`); without, a thread of `reviewboard serve`/`run` runs them, and a
    # CLI command runs its own right after its commit. JOBS_MODE: auto, rq, thread, after_commit, inline, outbox.
    JOBS_MODE = "auto"
    REDIS_URL: str | None = None
    JOB_LEASE = timedelta(minutes=5)  # a claim older than this is a lost worker's: the job runs again
    JOB_REQUEUE_AFTER = timedelta(minutes=1)  # a queued job not started by then is sent again (lost message)
    JOB_SWEEP_INTERVAL = timedelta(seconds=30)  # how often `reviewboard worker` looks for lost jobs
    JOB_POLL_INTERVAL = timedelta(seconds=5)  # how often the embedded worker looks (a commit also wakes it)
    JOB_MAX_ATTEMPTS = 5
    # webhook targets allowed although private or loopback ("host" or "host:port"); public ones need no entry
    WEBHOOK_ALLOWED_TARGETS: tuple[str, ...] = ()
    WEBHOOK_MAX_ATTEMPTS = 6  # then the delivery is marked failed; a chair can replay it
    JOB_STUCK_AFTER = timedelta(minutes=10)  # /readyz says "degraded" when a job has waited longer (ops/health.py)
    # System certificates (reviewboard/certificates): the daily sweep re-signs the status list when the newest
    # is older than this, so a deployment gate's --max-age (24h by default) never refuses a list only because
    # nothing changed
    STATUS_LIST_REISSUE_AFTER = timedelta(hours=6)
    # The public register of certified systems (/register); an organisation turns it off with
    # REVIEWBOARD_PUBLIC_REGISTER=0: the pages answer 404 and no system is listed, whatever chairs chose
    PUBLIC_REGISTER = True
    # Single sign-on with an organisation's OpenID Connect provider (reviewboard/sso; README "Single sign-on"). Off
    # while OIDC_ISSUER is unset. The redirect URI to register at the provider is <PUBLIC_URL>/sso/callback.
    OIDC_ISSUER: str | None = None  # discovery: <issuer>/.well-known/openid-configuration
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_PROVIDER_NAME = "your organisation's account"  # the sign-in button says "Sign in with <this>"
    OIDC_SCOPES = "openid email profile"
    # Roles from a claim: OIDC_ROLE_CLAIM names it (a string or a list of strings, e.g. "groups"), OIDC_ROLE_MAP
    # (JSON) maps its values to ReviewBoard roles, {"rb-chairs": ["chair"], "rb-reviewers": ["reviewer"]}. With a
    # claim set, the provider decides the roles at every sign-in; without, a new person gets OIDC_DEFAULT_ROLES, as
    # does one whose claim maps to no role (empty: such a person is refused)
    OIDC_ROLE_CLAIM: str | None = None
    OIDC_ROLE_MAP: dict = {}
    OIDC_DEFAULT_ROLES: tuple[str, ...] = ("submitter",)
    # 0: the sign-in page offers only the provider (break-glass: README "Single sign-on")
    OIDC_LOCAL_LOGIN = True
    # a signing re-authentication at the provider must come back within this time, or the decision is not signed
    OIDC_SIGNING_TIMEOUT = timedelta(minutes=10)
    OIDC_HTTP_TIMEOUT = 10  # seconds, for each call to the provider (discovery, keys, token)


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
_DURATION = re.compile(r"(\d+)\s*(s|m|h|d)?", re.IGNORECASE)
_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# Variables with these names configure the process, not the application
NOT_SETTINGS = frozenset({"REVIEWBOARD_ENV", "REVIEWBOARD_INSTANCE_PATH", "REVIEWBOARD_LOG_LEVEL",
                          "REVIEWBOARD_TEST_SQLITE_ONLY"})

# Settings where zero is not a value but a broken deployment: a zero lease hands every running job to the next
# worker that looks (each record rendered again and again), a zero poll or sweep interval spins a core, and zero
# attempts never runs a job at all (a negative count is refused with them; a duration cannot be written negative).
MORE_THAN_ZERO = frozenset({"JOB_LEASE", "JOB_REQUEUE_AFTER", "JOB_SWEEP_INTERVAL", "JOB_POLL_INTERVAL",
                            "JOB_STUCK_AFTER", "JOB_MAX_ATTEMPTS", "WEBHOOK_MAX_ATTEMPTS"})


def check_more_than_zero(setting: str, value: object) -> None:
    """ValueError when ``setting`` is one of MORE_THAN_ZERO and ``value`` (a duration or a count) is not above zero.
    Checked where an environment value is read (naming its variable) and on the finished configuration, whatever
    gave the value (instance/config.py, the environment, a test's mapping)."""
    if setting in MORE_THAN_ZERO and value <= type(value)():
        raise ValueError("expected more than zero")


def parse_flag(value: str | bool) -> bool:
    """The one reading of an on/off setting: 1/0, true/false, yes/no, on/off (any case); else ValueError."""
    if isinstance(value, bool):
        return value
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def parse_duration(value: str) -> timedelta:
    """Seconds ("900"), or a number with a unit: "30s", "15m", "12h", "2d"."""
    match = _DURATION.fullmatch(value.strip())
    if not match:
        raise ValueError('expected seconds ("900") or a number with s, m, h or d ("15m", "12h")')
    return timedelta(**{_DURATION_UNITS[(match[2] or "s").lower()]: int(match[1])})


def describe_duration(value: timedelta) -> str:
    """A duration in words, in its largest whole unit: "15 minutes", "1 hour", "90 seconds"."""
    seconds = int(value.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def convert(text: str, default: object) -> object:
    """Environment text as the type of the setting's default (ValueError when it does not fit).

    Lists of paths are colon-separated; engine options are a JSON object; settings without a typed
    default (unset by default, or unknown) stay text.
    """
    if isinstance(default, bool):
        return parse_flag(text)
    if isinstance(default, int):
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("expected a whole number") from None
    if isinstance(default, timedelta):
        return parse_duration(text)
    if isinstance(default, tuple):
        return tuple(part for part in text.split(":") if part)
    if isinstance(default, dict):
        value = json.loads(text) if text.strip() else {}
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        return value
    return text


def from_environment(environ: dict[str, str] | None = None) -> dict:
    """Settings taken from the environment, each converted to the type of its default.

    Raises ConfigurationError naming the variable whose value does not fit.
    """
    environ = os.environ if environ is None else environ
    named = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "SECRET_KEY": "SECRET_KEY",
             "REDIS_URL": "RATELIMIT_STORAGE_URI", "REVIEWBOARD_ENV": "REVIEWBOARD_ENV"}
    sources = {variable: setting for variable, setting in named.items() if environ.get(variable)}
    for variable in environ:
        if variable.startswith("REVIEWBOARD_") and variable not in NOT_SETTINGS:
            sources[variable] = variable.removeprefix("REVIEWBOARD_")
    found: dict = {}
    if environ.get("REDIS_URL"):  # the job queue's too, besides the rate limits'
        found["REDIS_URL"] = environ["REDIS_URL"]
    # the conventional names first, so that REVIEWBOARD_<NAME> wins over them, as it always has
    for variable in sorted(sources, key=lambda v: (v.startswith("REVIEWBOARD_"), v)):
        setting = sources[variable]
        try:
            found[setting] = convert(environ[variable], getattr(Defaults, setting, None))
            check_more_than_zero(setting, found[setting])
        except ValueError as exc:
            raise ConfigurationError(f"Refusing to start: {variable}={environ[variable]!r}: {exc}.") from None
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url
