"""The templates' globals (reviewboard/core/templating.py): a set for jinja2's import check, a live ChainMap for the
rest, so a macro import sees what the importing page was given and what the application installs later."""

from __future__ import annotations

from jinja2 import DictLoader

from reviewboard import create_app
from reviewboard.core.templating import TemplateEnvironment, TemplateGlobals

TEMPLATES = {"macros.html": "{% macro hello() %}{{ greeting }}, {{ name }}{% endmacro %}",
             "page.html": '{% from "macros.html" import hello %}{{ hello() }}',
             "plain.html": "{{ greeting }}, {{ name }}"}


def _environment() -> TemplateEnvironment:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert isinstance(app.jinja_env, TemplateEnvironment)
    environment = TemplateEnvironment(app, loader=DictLoader(TEMPLATES))
    environment.globals["greeting"] = "Hello"
    return environment


def test_an_imported_macro_sees_the_globals_its_page_was_loaded_with():
    environment = _environment()
    page = environment.get_template("page.html", globals={"name": "Ann"})
    assert isinstance(page.globals, TemplateGlobals) and page.globals.keys() >= {"greeting", "name", "range"}
    assert page.render() == "Hello, Ann"
    assert environment.get_template("page.html").render() == "Hello, Ann"  # the cached page keeps its own globals


def test_a_global_installed_after_a_template_was_loaded_is_seen():
    environment = _environment()
    page = environment.get_template("plain.html")
    assert page.render() == "Hello, "
    environment.globals["name"] = "Bo"
    assert page.render() == "Hello, Bo" and "name" in page.globals.keys() and "name" not in page.globals.maps[0]
