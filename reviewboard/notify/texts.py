"""The digest's words, read in the language in force when they are read. A digest item is built once and may go
to several people; notify/services.py renders each digest inside its reader's language (Flask-Babel's
force_locale), so each of them reads it in their own.

A :class:`Text` is a message marked for translation, ``N_("%(stage)s is waiting ...", stage=...)`` (extracted by
`make translations`), with its values: people's own words and numbers as they are (names, titles, comments),
dates (formatted for the locale), a text in several languages (``{"en": ..., "zh-Hans": ...}``: a stage's name)
or another Text. Unlike Flask-Babel's lazy strings a Text is not markup: Jinja escapes it like any string.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext, ngettext

from reviewboard.core.language import LANGUAGES, current_language, text_in, translated


class Text:
    """A message and its values, rendered by ``str()`` in the language in force (compares and reads like the
    string it renders to)."""

    __slots__ = ("message", "plural", "values")

    def __init__(self, message: str, values: dict, plural: str | None = None):
        self.message, self.values, self.plural = message, values, plural

    def __str__(self) -> str:
        from reviewboard.i18n import local_date

        language = current_language()  # the locale in force, force_locale included

        def value(v):
            if isinstance(v, bool | int | float):
                return v
            if isinstance(v, date):
                return local_date(v)
            if isinstance(v, Mapping):
                return text_in(v, language)
            return str(v)

        values = {name: value(v) for name, v in self.values.items()}
        if self.plural is not None:
            return ngettext(self.message, self.plural, values.pop("num"), **values)
        return gettext(self.message, **values)

    def using(self, **values) -> Text:
        """The same message with (more) values: a message marked once, filled in for each item."""
        return Text(self.message, {**self.values, **values}, self.plural)

    def __repr__(self) -> str:
        return f"Text({self.message!r}, {self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, str | Text) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __getattr__(self, name: str):
        if name.startswith("__"):  # copy, pickle and friends look for these: a Text has none of its own
            raise AttributeError(name)
        return getattr(str(self), name)  # startswith, endswith, ...: the rendered string's


def N_(message: str, **values) -> Text:  # noqa: N802 (the name Babel's extraction knows)
    return Text(message, values)


def lazy_ngettext(singular: str, plural: str, num: int, **values) -> Text:
    """The singular or plural message by ``num`` (available to the messages as ``%(num)d``)."""
    return Text(singular, {**values, "num": num}, plural)


def stage_name(stage) -> dict[str, str]:
    """A stage review's name in every language (its pipeline stage's, in English where it has none)."""
    return {language: translated(stage.pipeline_stage, "name", language) for language in LANGUAGES}
