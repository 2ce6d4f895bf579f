"""The application class (reviewboard/core/application.py): its url_for builds every link of every route exactly as
Flask's own url_for does, whatever the values (non-ASCII, spaces, slashes, percent signs), the query arguments and
the prefix the application is served under (SCRIPT_NAME); the links it cannot build its quick way go through Flask's.
Its ensure_sync still tells coroutine functions apart."""

from __future__ import annotations

import itertools

import pytest
from flask import Blueprint, Flask
from werkzeug.routing import AnyConverter, BuildError, IntegerConverter

from reviewboard import create_app
from reviewboard.core import application

TEXTS = ("plain", "two words", "ünïcødé 中文", "a/b/c", "100%", "?#&=+;", "")
NUMBERS = (7, 1234567)
QUERIES = ({}, {"page": 2}, {"q": "two words & 中文", "empty": None}, {"tags": ["a", "b/c"], "sort": "tier"})
PREFIXES = ("", "/rb", "/review board/")


@pytest.fixture(scope="module")
def app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


def _samples(rule) -> list[dict]:
    """Values for each argument of ``rule``: one list per converter kind, combined."""
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            options = sorted(converter.items)
        elif isinstance(converter, IntegerConverter):
            options = NUMBERS
        else:
            options = TEXTS
        choices.append([(name, option) for option in options])
    return [dict(combination) for combination in itertools.product(*choices)]


def _both(app, endpoint, **values) -> tuple[str, str]:
    return app.url_for(endpoint, **values), Flask.url_for(app, endpoint, **values)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_route_builds_the_same_link_as_flask(app, prefix, monkeypatch):
    monkeypatch.setattr(application, "MAX_REMEMBERED", 100_000)
    app._links.clear()
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    built = 0
    with app.test_request_context("/", base_url=f"http://localhost{prefix}"):
        for rule in rules:
            methods = [None] + sorted(rule.methods or ())
            for values, query, method in itertools.product(_samples(rule), QUERIES, methods):
                ours, flasks = _both(app, rule.endpoint, _method=method, **values, **query)
                assert ours == flasks, (rule.rule, values, query, method)
                built += 1
    assert built > 1000
    # the links above were the quick kind: each was remembered with a way to build it (not "ask Flask")
    assert len(app._links) > len(rules) and all(how is not None for how in app._links.values())


def test_a_prefix_reaches_the_links(app):
    with app.test_request_context("/", base_url="http://localhost/rb"):
        assert app.url_for("records.verify") == "/rb/verify"
        assert app.url_for("projects.show", project_id=12) == "/rb/projects/12"


def test_the_values_flask_refuses_are_refused_alike(app):
    with app.test_request_context("/"):
        with pytest.raises(ValueError):
            app.url_for("projects.show", project_id="twelve")
        with pytest.raises(ValueError):
            Flask.url_for(app, "projects.show", project_id="twelve")
        assert _both(app, "projects.show", project_id="12")[0] == "/projects/12"
        assert len(set(_both(app, "projects.show", project_id=True))) == 1
        for endpoint, values in (("projects.show", {}), ("no.such", {}), ("projects.show", {"project_id": None})):
            with pytest.raises(BuildError):
                app.url_for(endpoint, **values)


def test_the_other_links_go_through_flask(app):
    with app.test_request_context("/projects/3", base_url="http://example.org/rb"):
        assert app.url_for("projects.show", project_id=3, _external=True) == "http://example.org/rb/projects/3"
        assert app.url_for("projects.show", project_id=3, _external=True, _scheme="https") == (
            "https://example.org/rb/projects/3")
        assert app.url_for("projects.show", project_id=3, _anchor="a b") == "/rb/projects/3#a%20b"
        assert app.url_for(".show", project_id=3) == "/rb/projects/3"
    with app.app_context():  # outside a request, links are external: they need SERVER_NAME
        for url_for in (app.url_for, Flask.url_for.__get__(app)):
            with pytest.raises(RuntimeError, match="SERVER_NAME"):
                url_for("records.verify")


def test_url_defaults_functions_are_honoured():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    extra = Blueprint("extra", __name__, url_prefix="/extra")
    extra.add_url_rule("/<lang>/page", "page", lambda lang: lang)

    @extra.url_defaults
    def _language(endpoint, values):
        values.setdefault("lang", "zh")

    app.register_blueprint(extra)
    with app.test_request_context("/"):
        assert app.url_for("extra.page") == "/extra/zh/page"
        assert app.url_for("records.verify") == "/verify"


def test_what_is_remembered_is_bounded(app, monkeypatch):
    """A view may build a link from a request's query arguments, whose names a client chooses."""
    monkeypatch.setattr(application, "MAX_REMEMBERED", len(app._links) + 3)
    with app.test_request_context("/"):
        for n in range(20):
            ours, flasks = _both(app, "audit.index", **{f"name{n}": n})
            assert ours == flasks == f"/audit?name{n}={n}"
    assert len(app._links) == application.MAX_REMEMBERED


def test_a_coroutine_function_is_never_run_as_a_plain_one(app):
    async def answer():
        return "async"

    def plain():
        return "plain"

    for _ in range(2):  # the second time from what was remembered
        assert app.ensure_sync(plain)() == "plain"
        with pytest.raises(RuntimeError, match="async"):  # a coroutine function is never taken for a plain one:
            app.ensure_sync(answer)  # without Flask's async extra, Flask refuses it
