"""The languages ReviewBoard offers: English (the language of the source) and one per catalog folder in
reviewboard/translations (``<locale>/LC_MESSAGES/messages.po``). A third language is a matter of adding its
folder; nothing here names one. No import of the app or its models: reviewboard/auth/models.py reads this."""

from __future__ import annotations

from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
SOURCE_LANGUAGE = "en"


def babel_locale(code: str) -> str:
    """The Babel identifier of a stored language code: "zh-Hans" (BCP 47, as stored and put in <html lang>)
    is "zh_Hans" (Babel, and the catalog folder's name)."""
    return code.replace("-", "_")


def language_code(locale: str) -> str:
    """The BCP 47 code of a Babel identifier or catalog folder name: "zh_Hans" -> "zh-Hans"."""
    return locale.replace("_", "-")


def _native_name(code: str) -> str:
    locale = Locale.parse(babel_locale(code))
    return locale.get_display_name(locale) or code


def offered_languages(folder: Path = TRANSLATIONS) -> dict[str, str]:
    """{code: name in its own language}: the source language first, then one per catalog in ``folder``."""
    codes = [SOURCE_LANGUAGE] + sorted(language_code(p.parent.parent.name)
                                       for p in folder.glob("*/LC_MESSAGES/messages.po"))
    return {code: _native_name(code) for code in codes}


LANGUAGES = offered_languages()


@cache
def catalogue(language: str) -> NullTranslations:
    """The interface's catalog of ``language``, read once, for text shown outside a request's locale (a record in
    its own language, the command line's help); the source language's is empty: English is the message itself."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS), [babel_locale(language)])


def best_language(accepted: list[str]) -> str | None:
    """The offered language that best serves a browser's Accept-Language tags (in the order of preference):
    the same language in the same script ("zh-CN" and "zh" are written in Simplified Chinese: zh-Hans), else
    the same language in another script ("zh-TW" reads zh-Hans before English). None when nothing fits."""
    offered = {code: Locale.parse(babel_locale(code)) for code in LANGUAGES}
    for tag in accepted:
        try:
            wanted = Locale.parse(tag.replace("_", "-"), sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        same = [code for code, loc in offered.items() if loc.language == wanted.language]
        for code in same:
            if offered[code].script == wanted.script:
                return code
        if same:
            return same[0]
    return None


def compile_catalogs(folder: Path = TRANSLATIONS) -> list[Path]:
    """Compile each catalog whose .mo is missing or older than its .po (as `make install` does with pybabel);
    the test session calls it, so a test run never reads a stale or missing .mo. Written atomically: pytest-xdist
    workers may compile at the same time. Returns the files written."""
    import os
    import tempfile

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
        written.append(mo)
    return written
