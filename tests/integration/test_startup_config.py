"""The app refuses to start on insecure configuration."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from reviewboard import ConfigurationError
from tests.conftest import make_app


def test_refuses_a_signing_key_readable_by_others(tmp_path, signing_dir):
    keys = tmp_path / "keys"
    shutil.copytree(signing_dir, keys)
    (keys / "signing-key.pem").chmod(0o644)
    with pytest.raises(ConfigurationError, match="SIGNING_KEY_PATH"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, keys)
    (keys / "signing-key.pem").chmod(0o600)
    assert make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, keys) is not None


def test_refuses_a_record_language_it_cannot_print(tmp_path, signing_dir):
    with pytest.raises(ConfigurationError, match="RECORD_LANGUAGE='fr': expected one of en, zh-Hans, both"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, RECORD_LANGUAGE="fr")
    assert make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, RECORD_LANGUAGE="both") is not None


@pytest.mark.parametrize(("setting", "value", "shown"), [
    ("JOB_LEASE", timedelta(0), "JOB_LEASE=0:00:00"), ("JOB_MAX_ATTEMPTS", 0, "JOB_MAX_ATTEMPTS=0"),
    ("WEBHOOK_MAX_ATTEMPTS", -1, "WEBHOOK_MAX_ATTEMPTS=-1"),
])
def test_refuses_a_job_setting_of_zero_whatever_gave_it(tmp_path, signing_dir, setting, value, shown):
    """instance/config.py (or any mapping) is checked as the environment is: a zero lease would hand every running
    job to the next worker, zero attempts would never run one."""
    with pytest.raises(ConfigurationError, match=rf"^Refusing to start: {shown}: expected more than zero"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, **{setting: value})


def test_refuses_a_readable_audit_mac_key(tmp_path, signing_dir):
    keys = tmp_path / "keys"
    shutil.copytree(signing_dir, keys)
    (keys / "audit-mac.key").chmod(0o640)
    with pytest.raises(ConfigurationError, match="AUDIT_MAC_KEY_PATH"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, keys)


@pytest.mark.parametrize("secret", ["", "dev-insecure-change-me", "short"])
def test_production_refuses_missing_or_default_secret_key(tmp_path, signing_dir, secret):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="production",
                 SECRET_KEY=secret)


def test_production_refuses_debug(tmp_path, signing_dir):
    with pytest.raises(ConfigurationError, match="DEBUG"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="production",
                 DEBUG=True, SECRET_KEY="s" * 40)


def test_production_uses_secure_host_prefixed_cookie(tmp_path, signing_dir):
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="production",
                   SECRET_KEY="s" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_production_hashes_passwords_with_argon2id_at_asvs_cost(tmp_path, signing_dir):
    """The suite hashes cheaply (tests/conftest.py); production's hashes carry t=2, m=19 MiB, p=1."""
    from argon2 import extract_parameters
    from argon2.low_level import Type

    from reviewboard.auth.passwords import check_password, hash_password

    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="production",
                   SECRET_KEY="s" * 40)
    with app.app_context():
        stored = hash_password("correct horse battery")
        assert check_password(stored, "correct horse battery")
    params = extract_parameters(stored)
    assert (params.type, params.time_cost, params.memory_cost, params.parallelism) == (Type.ID, 2, 19 * 1024, 1)


@pytest.mark.parametrize("setting", ["PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_COST"])
def test_production_refuses_cheaper_password_hashing(tmp_path, signing_dir, setting):
    with pytest.raises(ConfigurationError, match="password hashing"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="production",
                 SECRET_KEY="s" * 40, **{setting: 1})


def test_environment_values_reach_the_app_with_their_types(tmp_path, signing_dir, monkeypatch):
    monkeypatch.setenv("REVIEWBOARD_SIGNING_FAILURE_LIMIT", "5")
    monkeypatch.setenv("REVIEWBOARD_SIGNING_FAILURE_WINDOW", "30m")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir)
    assert app.config["SIGNING_FAILURE_LIMIT"] == 5
    assert app.config["SIGNING_FAILURE_WINDOW"] == timedelta(minutes=30)


def test_a_bad_environment_value_stops_the_start_naming_the_variable(tmp_path, signing_dir, monkeypatch):
    monkeypatch.setenv("REVIEWBOARD_SIGNING_FAILURE_LIMIT", "5 tries")
    with pytest.raises(ConfigurationError, match="REVIEWBOARD_SIGNING_FAILURE_LIMIT='5 tries'"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir)


def test_an_unknown_environment_kind_stops_the_start(tmp_path, signing_dir):
    """A typo such as "prod" would otherwise run production as the demo: insecure cookies, demo accounts."""
    with pytest.raises(ConfigurationError, match="REVIEWBOARD_ENV='prod'"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, signing_dir, REVIEWBOARD_ENV="prod",
                 SECRET_KEY="s" * 40)


@pytest.mark.parametrize("key_file", ["signing-key.pem", "signing-cert.pem", "audit-mac.key"])
def test_production_refuses_to_start_without_its_signing_key(tmp_path, signing_dir, key_file):
    keys = tmp_path / "keys"
    shutil.copytree(signing_dir, keys)
    (keys / key_file).unlink()
    with pytest.raises(ConfigurationError, match=rf"{key_file}.*reviewboard keys init"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, keys, REVIEWBOARD_ENV="production",
                 SECRET_KEY="s" * 40)
    # the demo starts, so that `make run` can create the key after migrating
    assert make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, keys) is not None


def test_production_can_create_its_signing_key(tmp_path):
    """`reviewboard keys init` is the one command that runs in production without the key: it makes it."""
    cli = str(Path(sys.executable).with_name("reviewboard"))
    env = {**os.environ, "REVIEWBOARD_ENV": "production", "SECRET_KEY": "s" * 40,
           "REVIEWBOARD_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    refused = subprocess.run([cli, "record", "list"], env=env, capture_output=True, text=True)  # noqa: S603
    assert refused.returncode != 0
    assert "reviewboard keys init" in refused.stderr
    made = subprocess.run([cli, "keys", "init"], env=env, capture_output=True, text=True)  # noqa: S603
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "keys" / "signing-key.pem").is_file() and (tmp_path / "keys" / "audit-mac.key").is_file()
