"""How the catalog and pipeline screens name the catalog's fixed words in the reader's language: risk tiers,
applicability, frameworks, and the fields a catalog diff reports. The stored values (``low``, ``mandatory``,
``TC260-1.0``, ``title (zh-Hans)``) stay as they are in files, the database and the CLI."""

from __future__ import annotations

from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from reviewboard.catalogs.schema import FRAMEWORK_LABELS
from reviewboard.core.memo import request_memo
from reviewboard.i18n.languages import LANGUAGES, SOURCE_LANGUAGE

# lower case, as a list in a sentence reads them ("low, medium, high"); form choices use "Low", "Medium", "High"
TIER_NAMES = {"low": _l("low"), "medium": _l("medium"), "high": _l("high")}
# a project's tier may also be "prohibited" (never a catalog's or pipeline's), which the metrics filter names
PROJECT_TIER_NAMES = {**TIER_NAMES, "prohibited": _l("prohibited or escalate")}
APPLICABILITY_NAMES = {"mandatory": _l("mandatory"), "conditional": _l("conditional"), "advisory": _l("advisory")}
FRAMEWORK_NAMES = {
    "TC260-1.0": _l("TC260 AI Safety Governance Framework 1.0"),
    "TC260-2.0": _l("TC260 AI Safety Governance Framework 2.0"),
    "NIST-AI-RMF-1.0": _l("NIST AI RMF 1.0"),
    "ISO-IEC-42001-2023": _l("ISO/IEC 42001:2023 (Annex A)"),
    "EU-AI-Act": _l("EU AI Act"),
}
# the criterion fields a catalog diff names (catalogs/diff.py)
FIELD_NAMES = {"title": _l("Title"), "question": _l("Question"), "guidance": _l("Guidance"),
               "evidence_types": _l("Evidence expected"), "applicability": _l("Applicability"),
               "stage": _l("Stage"), "refs": _l("Reference")}
# a diff's summary line, one phrase per kind of change (CatalogDiff.summary())
SUMMARY_PHRASES = {"added": _l("%(count)s added"), "removed": _l("%(count)s removed"),
                   "restored": _l("%(count)s restored"), "reworded": _l("%(count)s reworded"),
                   "refs changed": _l("%(count)s with references changed"),
                   "tiers changed": _l("%(count)s with tiers changed"),
                   "other changes": _l("%(count)s with other changes")}


def _remembered(kind: str, value, compute) -> str:
    """``compute()``, once per request and language: a catalog page names the same few tiers and frameworks
    hundreds of times, and each translation lookup costs some thirty calls."""
    memo = request_memo("catalog_labels")
    key = (str(get_locale()), kind, value)
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def tier_name(tier: str) -> str:
    return str(PROJECT_TIER_NAMES.get(tier, tier))


def tier_names(tiers) -> str:
    """``["low", "high"]`` as the reader reads it: "low, high" or "低、高"."""
    tiers = tuple(tiers)
    return _remembered("tiers", tiers, lambda: list_separator().join(tier_name(t) for t in tiers))


def list_separator() -> str:
    """What separates the items of a short list: ", " in English, "、" in Chinese."""
    return pgettext("list separator", ", ")


def summary(counts: dict[str, int]) -> str:
    """A catalog diff's counts in words: "1 added, 0 removed, ..." or "新增 1 项、移除 0 项……"."""
    return list_separator().join(str(SUMMARY_PHRASES[kind]) % {"count": n} for kind, n in counts.items())


def clause_separator() -> str:
    """What separates items that may hold commas themselves (evidence types, rules): "; " or "；"."""
    return pgettext("clause separator", "; ")


def framework_label(framework: str) -> str:
    return _remembered("framework", framework,
                       lambda: str(FRAMEWORK_NAMES.get(framework, FRAMEWORK_LABELS.get(framework, framework))))


def change_label(field: str) -> str:
    """A diff's field name in the reader's words, with the language whose text changed: "title (zh-Hans)" reads
    "Title (中文 (简体))", an English text's "Title (English)"; fields that are not texts keep no language."""
    return _remembered("change", field, lambda: _change_label(field))


def _change_label(field: str) -> str:
    name, _sep, language = field.partition(" (")
    language = language.rstrip(")")
    label = str(FIELD_NAMES.get(name, name))
    if not language and name not in ("title", "question", "guidance", "evidence_types"):
        return label
    language = language or SOURCE_LANGUAGE
    return _("%(field)s (%(language)s)", field=label, language=LANGUAGES.get(language, language))
