"""Environment values take the type of their setting's default; a value that does not fit stops the start."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reviewboard.config import (
    ConfigurationError,
    Defaults,
    describe_duration,
    from_environment,
    parse_duration,
    parse_flag,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("1", True), ("true", True), ("Yes", True), (" ON ", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_one_reading_of_on_and_off(text, expected):
    assert parse_flag(text) is expected


@pytest.mark.parametrize("text", ["", "2", "enabled", "nope"])
def test_a_flag_that_is_neither_on_nor_off_is_refused(text):
    with pytest.raises(ValueError, match="true/false"):
        parse_flag(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("900", timedelta(seconds=900)), ("30s", timedelta(seconds=30)), ("15m", timedelta(minutes=15)),
    ("12h", timedelta(hours=12)), ("2d", timedelta(days=2)), ("90 M", timedelta(minutes=90)),
])
def test_durations_in_seconds_or_with_a_unit(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("value", "words"), [
    (timedelta(minutes=15), "15 minutes"), (timedelta(hours=1), "1 hour"), (timedelta(seconds=90), "90 seconds"),
    (timedelta(days=2), "2 days"), (timedelta(seconds=1), "1 second"),
])
def test_durations_in_words(value, words):
    assert describe_duration(value) == words


def test_each_value_takes_the_type_of_its_default():
    found = from_environment({
        "REVIEWBOARD_SIGNING_FAILURE_LIMIT": "5",
        "REVIEWBOARD_SIGNING_FAILURE_WINDOW": "1h",
        "REVIEWBOARD_SESSION_IDLE_TIMEOUT": "600",
        "REVIEWBOARD_CHAIR_CANNOT_APPROVE_ALONE": "off",
        "REVIEWBOARD_SMTP_STARTTLS": "yes",
        "REVIEWBOARD_SMTP_PORT": "587",
        "REVIEWBOARD_TRUST_ROOT_PATHS": "/etc/rb/root-a.pem:/etc/rb/root-b.pem",
        "REVIEWBOARD_SQLALCHEMY_ENGINE_OPTIONS": '{"pool_size": 10}',
        "REVIEWBOARD_SMTP_HOST": "mail.example.org",
        "REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        "DATABASE_URL": "postgresql://db.example.org/rb",
    })
    assert found == {
        "SIGNING_FAILURE_LIMIT": 5,
        "SIGNING_FAILURE_WINDOW": timedelta(hours=1),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=10),
        "CHAIR_CANNOT_APPROVE_ALONE": False,
        "SMTP_STARTTLS": True,
        "SMTP_PORT": 587,
        "TRUST_ROOT_PATHS": ("/etc/rb/root-a.pem", "/etc/rb/root-b.pem"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10},
        "SMTP_HOST": "mail.example.org",
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        "SQLALCHEMY_DATABASE_URI": "postgresql://db.example.org/rb",
    }
    # the process's own variables are not settings
    assert from_environment({"REVIEWBOARD_INSTANCE_PATH": "/srv/rb", "REVIEWBOARD_LOG_LEVEL": "INFO"}) == {}


def test_every_typed_default_can_come_from_the_environment():
    """A new setting with a type the environment cannot give would otherwise be silently text."""
    simple = (bool, int, str, timedelta, tuple, dict, type(None))
    odd = {name: type(value).__name__ for name, value in vars(Defaults).items()
           if name.isupper() and not isinstance(value, simple)}
    assert odd == {}


@pytest.mark.parametrize(("variable", "value", "reason"), [
    ("REVIEWBOARD_SIGNING_FAILURE_LIMIT", "five", "whole number"),
    ("REVIEWBOARD_SIGNING_FAILURE_WINDOW", "a quarter of an hour", "15m"),
    ("REVIEWBOARD_CHAIR_CANNOT_APPROVE_ALONE", "maybe", "true/false"),
    ("REVIEWBOARD_SQLALCHEMY_ENGINE_OPTIONS", "[1, 2]", "JSON object"),
    ("REVIEWBOARD_SQLALCHEMY_ENGINE_OPTIONS", "{pool_size: 10", "Expecting"),
    # a zero lease would hand every running job to the next worker; zero attempts would never run one
    ("REVIEWBOARD_JOB_LEASE", "0", "more than zero"),
    ("REVIEWBOARD_JOB_POLL_INTERVAL", "0s", "more than zero"),
    ("REVIEWBOARD_JOB_MAX_ATTEMPTS", "0", "more than zero"),
    ("REVIEWBOARD_WEBHOOK_MAX_ATTEMPTS", "-1", "more than zero"),
])
def test_a_bad_value_names_its_variable(variable, value, reason):
    with pytest.raises(ConfigurationError, match=rf"^Refusing to start: {variable}=.*{reason}") as caught:
        from_environment({variable: value})
    assert repr(value) in str(caught.value)


def test_text_limits_are_not_settings_and_the_name_limit_fits_its_column():
    """A configurable name limit above the column width would pass the form and fail in the database."""
    from reviewboard.core.limits import SHORT_TEXT
    from reviewboard.projects.forms import ProjectForm
    from reviewboard.projects.models import Project

    assert not hasattr(Defaults, "MAX_SHORT_TEXT") and not hasattr(Defaults, "MAX_LONG_TEXT")
    assert Project.__table__.c.name.type.length == SHORT_TEXT
    (length,) = [v for v in ProjectForm.name.kwargs["validators"] if hasattr(v, "max")]
    assert length.max == SHORT_TEXT
