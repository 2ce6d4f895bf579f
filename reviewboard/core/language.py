"""Languages of ReviewBoard's data: which ones exist, the reader's current one, and text in several of them.

Shipped data (catalogs, the questionnaire, pipelines, registration duties) carries every text in each of
LANGUAGES, written in its YAML as a mapping ``{en: ..., zh-Hans: ...}``. English is the source language: it
stays in the models' plain columns (title, question, name, ...), and the other languages live beside it in a
``translations`` JSON column shaped ``{"zh-Hans": {"title": ..., "question": ...}}``. Adding a third language
is a matter of adding its catalog folder (reviewboard/i18n/languages.py) and its texts to the files.

``current_language()`` is the one place data-reading code asks for the reader's language: the interface's
(Flask-Babel's) language, reviewboard/i18n.
"""

from __future__ import annotations

from collections.abc import Mapping

from reviewboard.i18n.languages import LANGUAGES as OFFERED
from reviewboard.i18n.languages import SOURCE_LANGUAGE, language_code

# the languages every shipped text is written in, the source first: the interface's (one per catalog folder)
LANGUAGES = tuple(OFFERED)


def current_language() -> str:
    """The language the current reader reads: the interface's language (reviewboard/i18n: the signed-in
    person's setting, the browser's, the organisation's default), or the recipient's inside ``force_locale``
    (an e-mail); English outside the application."""
    from flask import has_app_context

    if not has_app_context():
        return SOURCE_LANGUAGE
    from flask_babel import get_locale

    # Flask-Babel's locale rather than reviewboard.i18n.select_language(): it is chosen once per request, and
    # force_locale (an e-mail rendered in its recipient's language) replaces it
    locale = get_locale()
    language = language_code(str(locale)) if locale is not None else SOURCE_LANGUAGE
    return language if language in LANGUAGES else SOURCE_LANGUAGE


def text_in(texts: Mapping[str, str] | str | None, language: str) -> str:
    """One text of a ``{language: text}`` mapping, falling back to the source language (a plain string is
    taken as source-language text, as single-language files and rows have it)."""
    if texts is None:
        return ""
    if isinstance(texts, str):
        return texts
    return texts.get(language) or texts.get(SOURCE_LANGUAGE) or ""


def translated(obj, field: str, language: str | None = None) -> str:
    """``obj.field`` in ``language`` (default: the current reader's), for a model, spec or row with a
    ``translations`` mapping, or a mapping with a ``"translations"`` key (a tier reason); the source-language
    value when there is no translation."""
    language = language or current_language()
    plain = isinstance(obj, Mapping)
    value = obj.get(field) if plain else getattr(obj, field)
    if language == SOURCE_LANGUAGE:
        return value
    others = obj.get("translations") if plain else getattr(obj, "translations", None)
    return ((others or {}).get(language) or {}).get(field) or value


def split_translations(texts: Mapping[str, Mapping[str, object]]) -> tuple[dict, dict]:
    """{field: {language: value}} -> (source-language values by field, {language: {field: value}}) for the
    languages other than the source: the plain columns and the ``translations`` column of a row."""
    source: dict = {}
    others: dict = {}
    for name, by_language in texts.items():
        for language, value in by_language.items():
            if language == SOURCE_LANGUAGE:
                source[name] = value
            else:
                others.setdefault(language, {})[name] = value
    return source, others
