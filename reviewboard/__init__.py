"""ReviewBoard: ethical review of AI systems with signed, offline-verifiable records."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from reviewboard.config import (
    DEFAULT_SECRET_KEY,
    MORE_THAN_ZERO,
    RECORD_LANGUAGES,
    ConfigurationError,
    Defaults,
    check_more_than_zero,
    from_environment,
    normalise_database_url,
)

__all__ = ["ConfigurationError", "create_app"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, *, making_keys: bool = False) -> Flask:
    """Build the application: configuration, extensions, blueprints and CLI; nothing else.

    Raises ConfigurationError on a malformed or unsafe configuration; production also refuses to start
    without its signing key, except for ``reviewboard keys init`` (``making_keys``), which creates it.
    """
    from reviewboard.core.application import ReviewBoardFlask
    from reviewboard.core.templating import TemplateEnvironment

    instance = os.environ.get("REVIEWBOARD_INSTANCE_PATH") or str(REPO_ROOT / "instance")
    app = ReviewBoardFlask(__name__, instance_path=instance, instance_relative_config=True,
                           template_folder=str(REPO_ROOT / "templates"), static_folder="static")

    app.jinja_environment = TemplateEnvironment  # before the extensions make app.jinja_env
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment())
    if test_config:
        app.config.update(test_config)
    _finish_config(app, making_keys=making_keys)

    from reviewboard import extensions

    _init_extensions(app, extensions)
    _register_blueprints(app)

    from reviewboard.ops.serving import trust_proxies

    trust_proxies(app)

    from reviewboard.cli import register_cli

    register_cli(app)
    return app


def _finish_config(app: Flask, *, making_keys: bool = False) -> None:
    cfg = app.config
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not cfg.get("SQLALCHEMY_DATABASE_URI"):
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'reviewboard.db'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    if cfg["REVIEWBOARD_ENV"] not in ("demo", "production"):
        raise ConfigurationError(f"Refusing to start: REVIEWBOARD_ENV={cfg['REVIEWBOARD_ENV']!r}: expected "
                                 "'demo' or 'production'.")
    _check_language(cfg)
    for setting in sorted(MORE_THAN_ZERO):
        try:
            check_more_than_zero(setting, cfg[setting])
        except ValueError as exc:
            raise ConfigurationError(f"Refusing to start: {setting}={cfg[setting]}: {exc}.") from None
    if cfg["RECORD_LANGUAGE"] not in RECORD_LANGUAGES:
        raise ConfigurationError(f"Refusing to start: RECORD_LANGUAGE={cfg['RECORD_LANGUAGE']!r}: expected one of "
                                 f"{', '.join(RECORD_LANGUAGES)}.")
    production = cfg["REVIEWBOARD_ENV"] == "production"
    if production:
        if app.debug or cfg.get("DEBUG"):
            raise ConfigurationError("Refusing to start: DEBUG is on in production.")
        if not cfg.get("SECRET_KEY") or cfg["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(cfg["SECRET_KEY"]) < 32:
            raise ConfigurationError("Refusing to start: set SECRET_KEY to a random value of 32+ characters.")
        if (int(cfg["PASSWORD_HASH_TIME_COST"]) < Defaults.PASSWORD_HASH_TIME_COST
                or int(cfg["PASSWORD_HASH_MEMORY_COST"]) < Defaults.PASSWORD_HASH_MEMORY_COST):
            raise ConfigurationError("Refusing to start: password hashing below argon2id t=2, m=19 MiB (ASVS 5.0).")
        if not making_keys:
            _require_signing_key(app)
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["SESSION_COOKIE_NAME"] = "__Host-session"
    elif cfg["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        cfg["SECRET_KEY"] = _instance_secret(app)
    _check_key_files(app)


def _check_language(cfg) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from reviewboard.i18n.languages import LANGUAGES

    if cfg["DEFAULT_LANGUAGE"] not in LANGUAGES:
        raise ConfigurationError(f"Refusing to start: DEFAULT_LANGUAGE={cfg['DEFAULT_LANGUAGE']!r}: expected one of "
                                 + ", ".join(LANGUAGES) + ".")
    try:
        ZoneInfo(cfg["DISPLAY_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"Refusing to start: DISPLAY_TIMEZONE={cfg['DISPLAY_TIMEZONE']!r} is not an IANA "
                                 "time zone name (such as UTC or Asia/Shanghai).") from exc


def _instance_file(app: Flask, value: str) -> Path:
    return Path(value) if Path(value).is_absolute() else Path(app.instance_path) / value


def _require_signing_key(app: Flask) -> None:
    """Production signs every record and audit checkpoint: without the key each decision would fail."""
    cfg = app.config
    if cfg.get("SIGNING_PKCS12_PATH"):
        needed = ("SIGNING_PKCS12_PATH", "AUDIT_MAC_KEY_PATH")
    else:
        needed = ("SIGNING_KEY_PATH", "SIGNING_CERT_PATH", "AUDIT_MAC_KEY_PATH")
    missing = [f"{setting} ({_instance_file(app, cfg[setting])})" for setting in needed
               if not _instance_file(app, cfg[setting]).is_file()]
    if missing:
        raise ConfigurationError("Refusing to start: no signing key: " + ", ".join(missing) + " missing. Run "
                                 "`reviewboard keys init` to create them, or point these settings at your "
                                 "organisation's key.")


def _check_key_files(app: Flask) -> None:
    """Refuse to start when a configured private key is readable by group or others."""
    from reviewboard.records.keys import KeyPermissionError, check_key_permissions

    for setting in ("SIGNING_KEY_PATH", "SIGNING_PKCS12_PATH", "AUDIT_MAC_KEY_PATH"):
        value = app.config.get(setting)
        if not value:
            continue
        path = _instance_file(app, value)
        if path.exists():
            try:
                check_key_permissions(path)
            except KeyPermissionError as exc:
                raise ConfigurationError(f"Refusing to start: {setting}: {exc}") from exc


def _instance_secret(app: Flask) -> str:
    """A random per-installation secret for the local demo, kept in instance/secret_key (0600)."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _init_extensions(app: Flask, ext) -> None:
    ext.db.init_app(app)
    with app.app_context():
        engine = ext.db.engine
        if engine.dialect.name == "sqlite":
            ext.configure_sqlite(engine)
        elif engine.dialect.name == "postgresql":
            ext.configure_postgresql(engine)
    ext.migrate.init_app(app, ext.db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True,
                        compare_type=True)
    ext.csrf.init_app(app)
    ext.bootstrap.init_app(app)
    ext.limiter.init_app(app)

    from reviewboard import i18n

    i18n.init_app(app)

    from reviewboard.auth import session as auth_session
    from reviewboard.core import boundary, errors_web, security
    from reviewboard.ops import access_log

    auth_session.init_app(app)
    security.init_app(app)
    access_log.init_app(app)  # before the commit hook, so that the line is written after the commit
    boundary.init_app(app)
    errors_web.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from reviewboard.accounts.views import bp as accounts_bp
    from reviewboard.audit.views import bp as audit_bp
    from reviewboard.auth.views import bp as auth_bp
    from reviewboard.catalogs.views import bp as catalogs_bp
    from reviewboard.certificates.views import bp as certificates_bp
    from reviewboard.comments.views import bp as comments_bp
    from reviewboard.committee.views import bp as committee_bp
    from reviewboard.conditions.views import bp as conditions_bp
    from reviewboard.core.views import bp as core_bp
    from reviewboard.incidents.views import bp as incidents_bp
    from reviewboard.inventory.views import bp as inventory_bp
    from reviewboard.metrics.views import bp as metrics_bp
    from reviewboard.mfa.views import bp as mfa_bp
    from reviewboard.ops.health import bp as ops_bp
    from reviewboard.pipelines.views import bp as pipelines_bp
    from reviewboard.projects.views import bp as projects_bp
    from reviewboard.records.pack_views import bp as packs_bp
    from reviewboard.records.views import bp as records_bp
    from reviewboard.register.views import bp as register_bp
    from reviewboard.registration.views import bp as registration_bp
    from reviewboard.reset.views import bp as reset_bp
    from reviewboard.reviews.views import bp as reviews_bp
    from reviewboard.systems.views import bp as systems_bp
    from reviewboard.teams.views import bp as teams_bp
    from reviewboard.tokens.views import bp as tokens_bp
    from reviewboard.webhooks.views import bp as webhooks_bp

    for bp in (core_bp, auth_bp, projects_bp, reviews_bp, records_bp, packs_bp, catalogs_bp):
        app.register_blueprint(bp)
    app.register_blueprint(committee_bp)
    app.register_blueprint(conditions_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(pipelines_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(systems_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(register_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(inventory_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(mfa_bp)
    app.register_blueprint(reset_bp)

    from reviewboard.sso.views import bp as sso_bp

    app.register_blueprint(sso_bp)

    from reviewboard.i18n.views import bp as i18n_bp

    app.register_blueprint(i18n_bp)

    from reviewboard import api

    api.init_app(app)

    import reviewboard.certificates.issuing  # noqa: F401  (registers the certificate and status-list jobs)
    import reviewboard.jobs.models  # noqa: F401  (no blueprint: registers the job outbox's model)
    import reviewboard.notify.models  # noqa: F401  (no blueprint: registers the notice table's model)
    import reviewboard.register.models  # noqa: F401  (the register's listings; its blueprint imports them too)
    import reviewboard.registration.models  # noqa: F401  (registers the filing model)
    import reviewboard.webhooks.services  # noqa: F401  (its models, and the job handler of deliveries)
