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

from flask_babel import get_locale

from reviewboard.i18n import reader_context
from reviewboard.i18n.languages import LANGUAGES as OFFERED
from reviewboard.i18n.languages import SOURCE_LANGUAGE, language_code

# the languages every shipped text is written in, the source first: the interface's (one per catalog folder)
LANGUAGES = tuple(OFFERED)


def current_language() -> str:
    """The language the current reader reads: the interface's language (reviewboard/i18n: the signed-in
    person's setting, the browser's, the organisation's default), or the recipient's inside ``force_locale``
    (an e-mail); English outside the application."""
    ctx = reader_context()
    if ctx is None:
        return SOURCE_LANGUAGE
    # Flask-Babel's locale rather than reviewboard.i18n.select_language(): it is chosen once per request, and
    # force_locale (an e-mail rendered in its recipient's language) replaces it. A page asks for each translated
    # text (the |tr filter), so the answer is kept beside the locale object it was read from.
    locale = getattr(ctx, "babel_locale", None) or get_locale()
    known = getattr(ctx, "reader_language", None)
    if known is not None and known[0] is locale:
        return known[1]
    language = language_code(str(locale)) if locale is not None else SOURCE_LANGUAGE
    language = language if language in LANGUAGES else SOURCE_LANGUAGE
    ctx.reader_language = (locale, language)
    return language


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


def file_languages(data: dict, errors: list[str]) -> tuple[str, ...]:
    """A shipped data file's languages (``languages: [en, zh-Hans]``): English first and always, known ones only
    (each problem noted in ``errors``); a file without the key is English only."""
    given = data.get("languages")
    if given is None:
        return (SOURCE_LANGUAGE,)
    if not isinstance(given, list) or not given or given[0] != SOURCE_LANGUAGE:
        errors.append(f"languages: list the file's languages, {SOURCE_LANGUAGE} first, such as [en, zh-Hans]")
        return (SOURCE_LANGUAGE,)
    unknown = [str(g) for g in given if g not in LANGUAGES]
    if unknown:
        errors.append(f"languages: unknown language {', '.join(unknown)} (known: {', '.join(LANGUAGES)})")
    return tuple(dict.fromkeys(g for g in given if g in LANGUAGES))


class FileTexts:
    """Reads a shipped data file's texts (registration duties, incident and re-review rules): ``{en: ..., zh-Hans:
    ...}`` with every language of the file (a plain string in an English-only file), noting each missing, empty or
    unknown language in ``errors``."""

    def __init__(self, languages: tuple[str, ...], errors: list[str]):
        self.languages = languages
        self.errors = errors

    def __call__(self, value, where: str, required: bool = True) -> dict[str, str]:
        if self.languages == (SOURCE_LANGUAGE,) and not isinstance(value, dict):
            text = str(value or "").strip()
            if required and not text:
                self.errors.append(f"{where}: missing")
            return {SOURCE_LANGUAGE: text}
        if not isinstance(value, dict):
            if required or value is not None:
                self.errors.append(f"{where}: give the text in each language of the file "
                                   f"({', '.join(self.languages)}), as {{{': ..., '.join(self.languages)}: ...}}")
            return {language: "" for language in self.languages}
        for language in value:
            if language not in self.languages:
                self.errors.append(f"{where}: language {language!r} is not one of the file's languages "
                                   f"({', '.join(self.languages)})")
        texts = {language: str(value.get(language) or "").strip() for language in self.languages}
        for language, text in texts.items():
            if not text:
                self.errors.append(f"{where} is missing its {language} text")
        return texts
