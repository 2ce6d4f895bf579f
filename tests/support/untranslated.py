"""Finds text in a Jinja template that a person would see but that is not marked for translation.

The template is split by Jinja's own lexer. Outside ``{% trans %}`` blocks, its literal text (the "data" between
tags) is read as HTML: any letters in element text, or in an attribute a person sees or hears (title, alt,
placeholder, aria-label...), are reported. Inside ``{{ }}`` and ``{% %}``, a string literal that reads like words
("Active", "Never signed in") is reported unless it is an argument of ``_()``/``gettext()``/``ngettext()``.
Text in <script> and <style>, comments, and the names in ALLOWED (brand names and formats, the same in every
language) are not."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from jinja2 import Environment

from reviewboard.records.labels import KEYWORDS as RECORD_KEYWORDS

SEEN_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
                             "aria-valuetext", "label"})
ALLOWED = ("ReviewBoard", "CSV", "XLSX", "PDF", "JSON", "API", "SHA-256", "YAML")
# and the PDF record's label macros (l(), l_paragraph(): the record's language, reviewboard/records/labels.py)
GETTEXT = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext", *RECORD_KEYWORDS})
HOLE = " "  # stands for a Jinja expression or tag in the text given to the HTML parser (a space: it may sit in a tag)
LETTER = re.compile(r"[^\W\d_]")
# a string literal that reads like words: a capitalised word ("Active"), words after a capital ("Never signed
# in"), or a lower-case phrase; not CSS classes, endpoints, keys or codes (lower-case, no spaces), class names
# ("RadioField") nor HTTP methods ("POST")
PROSE = re.compile(r"[A-Z][a-z]+|[A-Z][a-z]*[ ,'’].*|.*[a-z]+ [a-z]+.*[.!?:]|[a-z]+ [a-z]+ [a-z]+.*")


def _has_words(text: str) -> bool:
    for name in ALLOWED:
        text = text.replace(name, "")
    return bool(LETTER.search(text))


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in SEEN_ATTRIBUTES and value and _has_words(value):
                self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and _has_words(data):
            self.found.append(" ".join(data.split()))


def untranslated_text(source: str, env: Environment) -> list[str]:
    """The pieces of visible text of ``source`` that are not marked for translation (empty when all are)."""
    html: list[str] = []
    found: list[str] = []
    in_trans = False
    in_tag = False  # inside {{ }} or {% %}
    tag_name_next = False
    parens: list[bool] = []  # for each open parenthesis: is it a gettext call's?
    previous = None
    for _lineno, kind, value in env.lex(source):
        if kind == "data":
            html.append(HOLE if in_trans else value)
            continue
        if not html or html[-1] != HOLE:
            html.append(HOLE)
        if kind in ("block_begin", "variable_begin"):
            in_tag, tag_name_next, parens = True, kind == "block_begin", []
        elif kind in ("block_end", "variable_end"):
            in_tag = False
        elif kind == "name" and tag_name_next:
            tag_name_next = False
            if value in ("trans", "pluralize"):
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        elif in_tag and kind == "operator" and value == "(":
            parens.append(previous is not None and previous[0] == "name" and previous[1] in GETTEXT)
        elif in_tag and kind == "operator" and value == ")" and parens:
            parens.pop()
        elif in_tag and kind == "string" and not (parens and parens[-1]) and PROSE.fullmatch(value[1:-1]) \
                and _has_words(value[1:-1]):
            found.append(value)
        if kind != "whitespace":
            previous = (kind, value)
    reader = _Reader()
    reader.feed("".join(html))
    reader.close()
    return reader.found + found
