"""The record's own words (headings, labels, fixed phrases) in the record's language, from the interface's catalog.

The print template (templates/records/pdf/record.html, and the parts it includes: RECORD_PARTS) writes every
label as ``l("English")`` (keyword arguments fill its ``%(name)s`` placeholders) and each fixed
paragraph as ``l_paragraph("English")``; the English is the message, translated in the message context
``record`` (``msgctxt "record"`` in reviewboard/translations/<locale>/LC_MESSAGES/messages.po), so that the
record keeps its own wording where a screen words the same English otherwise (a project's "Name" is 名称 in a
record, a person's 姓名 on a page). `make translations` extracts them with :func:`extract_record_labels`
(babel.cfg), together with COMPUTED: the labels the template derives from the record's values.

The record's language is not the reader's: a record is issued once, in the organisation's RECORD_LANGUAGE, and
a bilingual one prints English and Chinese side by side in the same render. So the translations are looked up
in an explicit catalog per language, not the request's. English prints the message itself, unchanged.
The wording follows TC260's Chinese terms (伦理审查, 风险等级, 人工监督, 可追溯).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from reviewboard.i18n.languages import SOURCE_LANGUAGE, catalogue

CONTEXT = "record"
# print-only parts of the record kept beside their screen templates (templates/), included by record.html
RECORD_PARTS = ("committee/_record_declarations.html", "incidents/_record_incidents.html")
# the template's macros whose first argument is a label (babel.cfg extracts them with extract_record_labels)
KEYWORDS = ("l", "l_paragraph")
# labels the template computes from the record's values: outcomes, verdicts, tiers, conditions' statuses,
# yes and no, and the content hash's label (records/pdf.py CONTENT_HASH_LABEL)
COMPUTED = (
    "Approved", "Approved with conditions", "Changes requested", "Rejected", "Pending",
    "Meets", "Partially meets", "Does not meet", "Not applicable",
    "Low", "Medium", "High", "Prohibited",
    "Open", "Closed", "Overdue", "Yes", "No",
    "Reported", "Under assessment", "Reported to authority", "Minor", "Major",  # incidents' states, severities
    "Content SHA-256 (record data)",
)

# the digests' names (records/pdf.py CONTENT_HASH_LABEL, FILE_HASH_LABEL) as pages and the CLI show them, in the
# reader's language (the PDF prints them in the record's)
PAGE_HASH_LABELS = {"Content SHA-256 (record data)": _l("Content SHA-256 (record data)"),
                    "File SHA-256 (this PDF)": _l("File SHA-256 (this PDF)")}


def label(english: str, language: str) -> str:
    """One of the record's labels in ``language``; the English itself in English, or when it has no translation."""
    if language == SOURCE_LANGUAGE:
        return english
    return catalogue(language).upgettext(CONTEXT, english)


def zh_hans(english: str) -> str:
    """The Chinese of one of the record's labels (the template's ``zh()``)."""
    return label(english, "zh-Hans")


def extract_record_labels(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extraction method for the record's print template: each ``l("...")`` and ``l_paragraph("...")`` as
    a message in the ``record`` context, then COMPUTED. Yields what Babel's ``pgettext`` keyword reads."""
    from jinja2.ext import babel_extract

    for lineno, _function, message, comments in babel_extract(fileobj, KEYWORDS, comment_tags, options):
        english = message[0] if isinstance(message, tuple) else message  # l("...", plain=true): the label first
        if isinstance(english, str):
            yield lineno, "pgettext", (CONTEXT, english), comments
    for english in COMPUTED:
        yield 0, "pgettext", (CONTEXT, english), []
