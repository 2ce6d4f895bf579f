"""The interface's translations (reviewboard/translations, `make translations`): every message the code and the
templates mark has a reviewed Chinese translation, and the converted templates show no text that is not marked.
No database: runs once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from reviewboard.i18n.languages import LANGUAGES, TRANSLATIONS, best_language, offered_languages
from tests.support.untranslated import untranslated_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# The template folders (and files) whose every visible text is marked for translation, checked below. The others
# are still English only: converting one means marking its text, translating it (`make translations`) and moving
# it from NOT_YET_CONVERTED to CONVERTED. records/pdf/ (the PDF record) prints in the record's language: its l()
# labels are messages in the context "record" (reviewboard/records/labels.py).
CONVERTED = ["base.html", "_macros", "errors", "auth", "accounts", "mfa", "reset", "sso", "tokens", "projects",
             "reviews", "committee", "conditions", "comments", "notify",
             "core", "rereview", "teams", "registration", "systems", "incidents", "register", "audit", "inventory",
             "metrics", "api", "certificates", "webhooks", "records", "catalogs", "pipelines"]
NOT_YET_CONVERTED: list[str] = []
# as the Makefile's BABEL_KEYWORDS: the lazy functions that form classes use, and N_ (help texts of the command line)
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2), "N_": None}


def _extracted() -> set[tuple[str | None, str]]:
    """The msgids `make translations` extracts (babel.cfg), read from the sources as they are now."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for folder in (ROOT, TEMPLATES / "_macros"):  # Babel does not walk into "_" folders (babel.cfg)
        for _file, _line, message, _comments, context in extract_from_dir(folder, method_map, options_map,
                                                                         keywords=KEYWORDS):
            found.add((context, message[0] if isinstance(message, tuple) else message))
    return {(context, msgid) for context, msgid in found if msgid}


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _translations():
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("locale", _translations())
def test_every_extracted_message_has_a_translation(locale):
    catalog = _catalog(locale)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[(message.context, key)] = bool(strings) and all(strings) and not message.fuzzy
    missing = sorted(_extracted() - {k for k, ok in translated.items() if ok})
    assert not missing, f"{locale}: not translated (run `make translations` and fill in the msgstr): {missing}"
    assert (None, "Sign in") in translated and (None, "Previous") in translated  # templates and _macros were read


@pytest.mark.parametrize("locale", _translations())
def test_translations_keep_the_placeholders_of_their_message(locale):
    """A translation that drops or renames a %(name)s would show the wrong value, or fail when it is shown."""
    for message in _catalog(locale):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {m for text in ids for m in re.findall(r"%\((\w+)\)", text)}
        for text in strings:
            assert set(re.findall(r"%\((\w+)\)", text)) == wanted, (message.id, text)


def test_every_template_folder_is_listed_as_converted_or_not():
    listed = set(CONVERTED) | set(NOT_YET_CONVERTED)
    assert {p.name for p in TEMPLATES.iterdir()} == listed
    assert not set(CONVERTED) & set(NOT_YET_CONVERTED)


def _template_files(entry: str) -> list[Path]:
    path = TEMPLATES / entry
    return [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".html", ".txt"))


@pytest.mark.parametrize("path", [p for entry in CONVERTED for p in _template_files(entry)],
                         ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_converted_templates_show_no_text_unmarked_for_translation(path):
    env = Environment(extensions=["jinja2.ext.i18n"])
    assert untranslated_text(path.read_text(), env) == []


@pytest.mark.parametrize(("source", "reported"), [
    ("<h1>Projects</h1>", ["Projects"]),
    ('<input placeholder="Search by name">', ['placeholder="Search by name"']),
    ('<a href="/x" aria-label="Close">×</a>', ['aria-label="Close"']),
    ('<img src="{{ url }}" alt="Chart of decisions">', ['alt="Chart of decisions"']),
    ("<td>{{ 'Active' if u.active else 'Deactivated' }}</td>", ["'Active'", "'Deactivated'"]),
    ('{{ field(form.name, help="Signatures keep their name.") }}', ['"Signatures keep their name."']),
    ("<p>{{ count }} items left</p>", ["items left"]),
    ("<h1>{{ _('Projects') }}</h1><p>{% trans n=count %}{{ n }} items left{% endtrans %}</p>", []),
    ('<p title="{{ _(\'Close\') }}">{{ ngettext("%(num)d day", "%(num)d days", n) }}</p>', []),
    ("<div class=\"{{ 'text-danger fw-semibold' if late }}\" data-x=\"Raw\">{{ url_for('core.index') }}</div>", []),
    ("<script>const label = 'Not shown';</script><p>ReviewBoard · {{ x }} · CSV</p>{# a Comment #}", []),
])
def test_the_checker_reports_visible_text_that_is_not_marked(source, reported):
    assert untranslated_text(source, Environment(extensions=["jinja2.ext.i18n"])) == reported


def test_each_catalog_folder_offers_a_language(tmp_path):
    """A third language is a matter of adding its catalog (no code names a language)."""
    assert list(LANGUAGES) == ["en", "zh-Hans"] and LANGUAGES["zh-Hans"] == "中文 (简体)"
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "messages.po").write_text('msgid ""\nmsgstr ""\n')
    assert offered_languages(tmp_path) == {"en": "English", "fr": "français"}


@pytest.mark.parametrize(("accepted", "chosen"), [
    (["zh-CN", "en"], "zh-Hans"), (["zh"], "zh-Hans"), (["zh-Hans-CN"], "zh-Hans"),
    (["zh-TW"], "zh-Hans"),  # the same language in another script still beats English
    (["en-GB", "zh"], "en"), (["de", "zh-SG"], "zh-Hans"), (["de", "*"], None), ([], None),
])
def test_the_browser_languages_pick_the_best_offered_one(accepted, chosen):
    assert best_language(accepted) == chosen
