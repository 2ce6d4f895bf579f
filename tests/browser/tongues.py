"""The language a browser test walks in, and the check that a Chinese page shows no English.

A ``Tongue`` gives a walk the words a person reads in that language: interface text from the app's own message
catalog and WTForms' (``t("Verdict on %(code)s", code=...)``; a message not translated yet stays English, as the
page shows it), questionnaire, tier and stage names from the shipped data, and the browser's language
(Accept-Language). English is the source language: its words are the message ids themselves.

``Tongue.read(page, where, *user_text)`` is called on every page a walk visits. In English it does nothing; in
Chinese it takes the page's visible text (``document.body.innerText``), leaves out what people typed (names,
titles, notes, e-mail addresses: ``user_text`` and the live server's ``typed_text``), the text of code elements,
and what is no word of any language (codes such as TC260, PDF or SHA-256, digests, file names, numbers, dates,
addresses), and fails on any English word left, unless ``PENDING`` lists it as text another change is
translating: such a leak is written to ``tests/artifacts/browser/<engine>/english-leaks.txt`` (page, reason,
line). ``REVIEWBOARD_ENGLISH_LEAKS=record`` writes every leak to that file and fails on none.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from babel.support import Translations
from playwright.sync_api import Page
from wtforms.i18n import messages_path

from reviewboard.i18n.languages import SOURCE_LANGUAGE, TRANSLATIONS, babel_locale
from reviewboard.projects.tiering import questionnaire

REPO_ROOT = Path(__file__).resolve().parents[2]
PIPELINES = REPO_ROOT / "reviewboard" / "pipelines" / "data"

# Text that is the same in every language: names of the product, of tools and of each language on the switcher,
# proper names in examples, a tool's output quoted as it prints it, and words Chinese technical writing keeps
# (Webhook 推送, 导出为 Excel).
NOT_ENGLISH = ("ReviewBoard", "English", "Llama", "pyHanko", "poppler", '"Certificate is Trusted"', "Webhook",
               "Excel",
               # the seal certificate's name (`reviewboard keys init`: "<organisation> record seal"), shown as the
               # record's signer: an identity inside every signed record, not text of the interface
               "record seal")
# REVIEWBOARD_ENGLISH_LEAKS=record: every page's leaks are written to the log and none fails (a survey of what
# is left to translate in one run).
RECORD_ALL = os.environ.get("REVIEWBOARD_ENGLISH_LEAKS") == "record"

# The pipeline the Chinese walks register their projects under (conftest.py's bilingual_pipeline): the standard
# pipeline's version 3, on the catalog whose criteria are written in English and Chinese.
BILINGUAL_PIPELINE = {"en": "Standard AI lifecycle review (bilingual criteria)",
                      "zh-Hans": "标准人工智能生命周期审查（双语准则）"}

# English that another change is translating (issue 14): {what it is, and who translates it: its phrases}. A page
# may show these in English; each time one does it is written to the leak log, and any other English fails. Remove
# an entry when its change has landed: from then on every walk fails on it.
PENDING: dict[str, Callable[[], Iterable[str]]] = {
}

# What is not a word: e-mail addresses, certificate names (CN=..., O=...), addresses, file names, hex digests,
# codes in capitals or with digits (TC260, PDF, SHA-256, RB-DES-01, RB-1-DES, v1, UTC), numbers and dates.
_NOT_WORDS = re.compile(r"""
      \S+@\S+                                   # e-mail address
    | \b(?:CN|OU|O|L|ST|C)=[^,\n]*(?:,\s*(?:CN|OU|O|L|ST|C)=[^,\n]*)*   # a certificate's distinguished name
    | (?:\bhttps?://|(?<!\S)/)\S+               # address or path
    | \b[\w.-]+\.(?:pdf|md|json|csv|xlsx|png|txt|yaml)\b   # file name
    | \b[0-9a-f]{12,}\b                         # digest
    | \b(?=[\w-]*[A-Z0-9])(?![A-Z][a-z]+\b)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*\b   # codes: TC260, SHA-256, v1, UTC
""", re.VERBOSE | re.ASCII)  # ASCII: a word ends where a Chinese character begins ("Design审查")
_WORD = re.compile(r"[A-Za-z]{2,}")
# The page's visible text, and the text of its code, kbd, samp and pre elements (commands, file names: not words).
_VISIBLE_TEXT = """() => [document.body.innerText,
    Array.from(document.querySelectorAll("code, kbd, samp, pre")).map(e => e.innerText).filter(Boolean)]"""
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def english_lines(text: str, user_text: tuple[str, ...] = ()) -> list[str]:
    """The lines of ``text`` that still hold an English word once people's own text and codes are taken out."""
    for typed in sorted((*user_text, *NOT_ENGLISH), key=len, reverse=True):
        text = text.replace(typed, " ")
    leaks = []
    for line in text.splitlines():
        if _WORD.search(_NOT_WORDS.sub(" ", line)):
            leaks.append(line.strip())
    return leaks


def pending_reasons(line: str) -> list[str] | None:
    """The ``PENDING`` entries whose phrases account for every English word of ``line``; None if any is left."""
    reasons = []
    for phrase, reason in _pending_phrases():
        if phrase in line:
            line = line.replace(phrase, " ")
            if reason not in reasons:
                reasons.append(reason)
    return None if english_lines(line) else reasons


@cache
def _pending_phrases() -> list[tuple[str, str]]:
    """(phrase, reason) for every phrase of ``PENDING``, longest first (a phrase may hold a shorter one)."""
    def as_seen(phrase: str) -> str:  # as english_lines leaves it
        for same in sorted(NOT_ENGLISH, key=len, reverse=True):
            phrase = phrase.replace(same, " ")
        return phrase

    pairs = {(as_seen(phrase), reason) for reason, phrases in PENDING.items() for phrase in phrases()}
    return sorted(pairs, key=lambda pair: -len(pair[0]))


@cache
def _catalog(code: str) -> Translations:
    """The app's messages in ``code``, and WTForms' own (its validators' messages, "This field is required.")."""
    catalog = Translations.load(str(TRANSLATIONS), [babel_locale(code)])
    assert isinstance(catalog, Translations), f"no compiled message catalog for {code} (run make install)"
    catalog.merge(Translations.load(messages_path(), [babel_locale(code), code.split("-")[0]], domain="wtforms"))
    return catalog


@cache
def _stage_names(code: str) -> dict[str, str]:
    """{English stage name: its name in ``code``} from the shipped pipelines."""
    names = {}
    for path in sorted(PIPELINES.glob("*.yaml")):
        for stage in yaml.safe_load(path.read_text(encoding="utf-8")).get("stages", []):
            if isinstance(stage.get("name"), dict):
                names.setdefault(stage["name"]["en"], stage["name"][code])
    return names


@dataclass(frozen=True)
class Tongue:
    code: str  # BCP 47, as a person's profile stores it
    browser_locale: str  # the browser's language (Accept-Language)
    leak_log: Path | None = None
    typed_text: Callable[[], Iterable[str]] | None = None

    @property
    def source(self) -> bool:
        return self.code == SOURCE_LANGUAGE

    def t(self, msgid: str, **values) -> str:
        """The interface text ``msgid`` as this language shows it, with ``values`` filled in. A message not
        translated yet stays English, as the page shows it: ``read`` is what finds it on the page."""
        text = msgid if self.source else _catalog(self.code).ugettext(msgid)
        return text % values if values else text

    def opening(self, msgid: str, **values) -> str:
        """The text of ``msgid`` up to its first placeholder not in ``values`` (a time, say), tags removed:
        what a locator can look for when the rest is not known in advance."""
        text = self.t(msgid)
        missing = next((m for m in _PLACEHOLDER.finditer(text) if m.group(1) not in values), None)
        if missing is not None:
            text = text[:missing.start()]
        return re.sub(r"<[^>]+>", "", text % values).strip()

    def pick(self, en: str, zh: str) -> str:
        """Text a person of this language types (a name, a title), not interface text."""
        return en if self.source else zh

    def texts(self, by_language: dict[str, dict[str, str]]) -> dict[str, str]:
        """{language: {field: text}} -> this language's {field: text}."""
        return by_language[self.code]

    def question(self, qid: str) -> str:
        """A question's label on the project form (the shipped questionnaire's text in this language)."""
        return questionnaire().label(qid, self.code)

    def answer(self, qid: str, value) -> str:
        """An answer's label (a list of categories for a multiple choice)."""
        return questionnaire().answer_label(qid, value, self.code)

    def tier(self, tier: str) -> str:
        return questionnaire().tier_names[tier][self.code]

    def stage(self, english_name: str) -> str:
        """A shipped stage's name in this language."""
        return english_name if self.source else _stage_names(self.code)[english_name]

    def pattern(self, msgid: str, **values: str | re.Pattern) -> re.Pattern:
        """``t(msgid, ...)`` as a pattern (found anywhere in a text), where a value may be a pattern itself; as
        with ``opening``, it ends at the first placeholder not in ``values``."""
        def literal(piece: str) -> str:  # markup in a message: an accessible name may or may not put a space there
            return r"\s*".join(re.escape(bit) for bit in re.split(r"<[^>]+>", piece))

        parts = []
        text = self.t(msgid)
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(literal(text[position:match.start()]))
            if match.group(1) not in values:
                return re.compile("".join(parts))
            value = values[match.group(1)]
            parts.append(value.pattern.strip("^$") if isinstance(value, re.Pattern) else re.escape(str(value)))
            position = match.end()
        parts.append(literal(text[position:]))
        return re.compile("".join(parts))

    def readme(self, name: str) -> str:
        """A README picture's file name: the English tour's, or the same with the language in front."""
        return name if self.source else f"{self.code}-{name}"

    def bind(self, leak_log: Path, typed_text: Callable[[], Iterable[str]]) -> Tongue:
        """This language, writing pending leaks to ``leak_log``; ``typed_text()`` gives what people typed into
        the server (names, titles, notes), which is nobody's translation to make."""
        return Tongue(self.code, self.browser_locale, leak_log, typed_text)

    def read(self, page: Page, where: str, *user_text: str) -> None:
        """Check the page as its reader sees it: no English on a page shown in another language, except text
        that ``PENDING`` lists (written to the leak log)."""
        if self.source:
            return
        page.wait_for_load_state("load")
        typed = (*user_text, *(self.typed_text() if self.typed_text else ()))
        text, codes = page.evaluate(_VISIBLE_TEXT)
        leaks = english_lines(text, (*typed, *codes))
        unexplained = [line for line in leaks if pending_reasons(line) is None]
        if self.leak_log is not None:
            with self.leak_log.open("a", encoding="utf-8") as log:
                log.writelines(f"{where}\t{'; '.join(pending_reasons(line) or ['NEW'])}\t"
                               f"{line.replace(chr(9), ' | ')}\n" for line in leaks)
        assert RECORD_ALL or not unexplained, f"English on the {self.code} {where} ({page.url}): {unexplained}"


ENGLISH = Tongue("en", "en-GB")
CHINESE = Tongue("zh-Hans", "zh-CN")
