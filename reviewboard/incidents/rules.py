"""The incident rules as data (data/incident-rules-X.Y.Z.yaml): severities, what a serious incident led to,
the deadlines those set and what a serious incident does. Checked when loaded; a bad file refuses to load
with every problem and its place in the file (:class:`IncidentRulesError`).

A file may give every text a person reads in several languages (``languages: [en, zh-Hans]``, each text a
mapping ``{en: ..., zh-Hans: ...}``, as registration duties do); a file without ``languages`` is English only
(1.0.0). English stays in the plain fields, which is what incidents store, audit and records print;
:meth:`IncidentRules.in_language` gives the same rules with the texts of another language, for screens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cache

from reviewboard.core.errors import RulesFileError
from reviewboard.core.language import SOURCE_LANGUAGE, FileTexts, current_language, file_languages
from reviewboard.core.rules_files import load_version, version_file

RULES_FILE = "incident-rules-1.1.0.yaml"  # the version in force: a new version is a new file
DUTIES = ("report", "close")
VERIFIED = ("official", "secondary", "policy")
_ID = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_RULE_ID = re.compile(r"^[A-Z][A-Z0-9-]{1,39}$")
_STAGE_CODE = re.compile(r"^[A-Z]{2,8}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class IncidentRulesError(RulesFileError):
    pass


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    serious: bool = False
    name: str = ""  # the short word lists and badges show (a severity's; 1.0.0 has none: the id capitalised)


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    severities: frozenset[str]
    categories: frozenset[str] | None  # None: any category
    widespread: bool | None  # None: either
    days: int
    duty: str  # report | close
    text: str
    source: str
    verified: str

    def matches(self, severity: str, category: str | None, widespread: bool) -> bool:
        return (severity in self.severities
                and (self.categories is None or category in self.categories)
                and (self.widespread is None or self.widespread == widespread))


@dataclass(frozen=True)
class Deadline:
    """The deadline an incident gets: the earliest of the matching rules."""
    rule: DeadlineRule
    due_on: date


@dataclass(frozen=True)
class IncidentRules:
    version: str
    severities: tuple[Choice, ...]
    categories: tuple[Choice, ...]
    deadlines: tuple[DeadlineRule, ...]
    suspend_certificate: bool
    reopens: tuple[str, ...]
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # the languages the file gives every text in
    # {language: {"severities": {id: {"label": ..., "name": ...}}, "categories": {id: {"label": ...}},
    # "deadlines": {id: {"text": ..., "source": ...}}}}: the texts in the other languages
    translations: dict = field(default_factory=dict, compare=False, repr=False)
    language: str = SOURCE_LANGUAGE  # the language of the plain fields

    def in_language(self, language: str) -> IncidentRules:
        """The (English) rules with their texts in ``language``: themselves for an English-only file or a language
        the file lacks."""
        if language == self.language or language not in self.translations:
            return self
        texts = self.translations[language]
        return replace(self, severities=tuple(replace(s, **texts["severities"][s.id]) for s in self.severities),
                       categories=tuple(replace(c, **texts["categories"][c.id]) for c in self.categories),
                       deadlines=tuple(replace(d, **texts["deadlines"][d.id]) for d in self.deadlines),
                       language=language)

    def severity(self, sid: str) -> Choice | None:
        return next((s for s in self.severities if s.id == sid), None)

    def category(self, cid: str | None) -> Choice | None:
        return next((c for c in self.categories if c.id == cid), None)

    def is_serious(self, sid: str) -> bool:
        found = self.severity(sid)
        return bool(found and found.serious)

    def deadline(self, severity: str, category: str | None, widespread: bool, detected_on: date) -> Deadline | None:
        """The earliest deadline among the rules that match (ties: the first in the file), or None."""
        matching = [r for r in self.deadlines if r.matches(severity, category, widespread)]
        if not matching:
            return None
        rule = min(matching, key=lambda r: r.days)
        return Deadline(rule, detected_on + timedelta(days=rule.days))


def _choices(data, key: str, texts: FileTexts, errors: list[str], *,
             with_serious: bool) -> tuple[tuple[Choice, dict[str, dict[str, str]]], ...]:
    """The severities or categories, each with its texts by language ({language: {"label": ..., "name": ...}})."""
    found: list[tuple[Choice, dict]] = []
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        errors.append(f"{key}: list at least one {{id, label}}")
        return ()
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be a mapping with id and label")
            continue
        cid = item.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            errors.append(f"{where}.id: {cid!r} is not an id such as 'serious' (lower case, digits, _)")
        elif cid in {c.id for c, _texts in found}:
            errors.append(f"{where}.id: {cid!r} is listed twice")
        if not item.get("label"):
            errors.append(f"{where}.label: give the words people choose from")
            label = {language: "" for language in texts.languages}
        else:
            label = texts(item["label"], f"{where}.label")
        name = texts(item["name"], f"{where}.name") if with_serious and "name" in item else None
        serious = item.get("serious", False)
        if with_serious and not isinstance(serious, bool):
            errors.append(f"{where}.serious: true or false, not {serious!r}")
        unknown = set(item) - {"id", "label", *(("serious", "name") if with_serious else ())}
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        by_language = {language: {"label": label[language]} | ({"name": name[language]} if name else {})
                       for language in texts.languages}
        found.append((Choice(str(cid), label[SOURCE_LANGUAGE], bool(serious) if with_serious else False,
                             name[SOURCE_LANGUAGE] if name else (str(cid).capitalize() if with_serious else "")),
                      by_language))
    return tuple(found)


def _id_list(value, known: set[str], where: str, errors: list[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        errors.append(f"{where}: list at least one of {', '.join(sorted(known))}")
        return frozenset()
    for item in value:
        if item not in known:
            errors.append(f"{where}: unknown {item!r} (known: {', '.join(sorted(known))})")
    return frozenset(str(v) for v in value)


def _deadline(raw, i: int, severities: set[str], categories: set[str], texts: FileTexts,
              errors: list[str]) -> tuple[DeadlineRule, dict[str, dict[str, str]]] | None:
    where = f"deadlines[{i}]"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a mapping with id, when, days, duty, text, source and verified")
        return None
    unknown = set(raw) - {"id", "when", "days", "duty", "text", "source", "verified"}
    if unknown:
        errors.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _RULE_ID.match(rid):
        errors.append(f"{where}.id: {rid!r} is not a rule id such as EUAIA-73-2")
    when = raw.get("when")
    if not isinstance(when, dict) or "severity" not in when:
        errors.append(f"{where}.when: name at least the severity, e.g. {{severity: [serious]}}")
        when = {"severity": []}
    extra = set(when) - {"severity", "category", "widespread"}
    if extra:
        errors.append(f"{where}.when: unknown condition(s) {', '.join(sorted(extra))} "
                      "(use severity, category, widespread)")
    sev = _id_list(when.get("severity"), severities, f"{where}.when.severity", errors)
    cats = _id_list(when["category"], categories, f"{where}.when.category", errors) if "category" in when else None
    widespread = when.get("widespread")
    if widespread is not None and not isinstance(widespread, bool):
        errors.append(f"{where}.when.widespread: true or false, not {widespread!r}")
    days = raw.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        errors.append(f"{where}.days: a whole number of days from 1 to 365, not {days!r}")
        days = 1
    duty = raw.get("duty")
    if duty not in DUTIES:
        errors.append(f"{where}.duty: {duty!r} is not one of {', '.join(DUTIES)}")
    verified = raw.get("verified")
    if verified not in VERIFIED:
        errors.append(f"{where}.verified: {verified!r} is not one of {', '.join(VERIFIED)}")
    said = {}
    for key in ("text", "source"):
        if not raw.get(key):
            errors.append(f"{where}.{key}: required")
            said[key] = {language: "" for language in texts.languages}
        else:
            said[key] = texts(raw[key], f"{where}.{key}")
    rule = DeadlineRule(str(rid), sev, cats, widespread if isinstance(widespread, bool) else None, days, str(duty),
                        said["text"][SOURCE_LANGUAGE], said["source"][SOURCE_LANGUAGE], str(verified))
    return rule, {language: {key: said[key][language] for key in said} for language in texts.languages}


def parse_rules(data) -> IncidentRules:
    """Check the loaded YAML; raises IncidentRulesError listing every problem with its place in the file."""
    if not isinstance(data, dict):
        raise IncidentRulesError(["the file must be a mapping with version, severities, categories, deadlines "
                                  "and serious_incident"])
    errors: list[str] = []
    unknown = set(data) - {"version", "languages", "severities", "categories", "deadlines", "serious_incident"}
    if unknown:
        errors.append(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    version = str(data.get("version") or "")
    if not _VERSION.match(version):
        errors.append(f"version: {version!r} is not a version such as 1.0.0")
    texts = FileTexts(file_languages(data, errors), errors)
    severity_texts = _choices(data, "severities", texts, errors, with_serious=True)
    category_texts = _choices(data, "categories", texts, errors, with_serious=False)
    severities, categories = tuple(c for c, _t in severity_texts), tuple(c for c, _t in category_texts)
    if severities and not any(s.serious for s in severities):
        errors.append("severities: mark one severity serious: true (the serious incident)")
    deadlines, deadline_texts = [], {}
    raw_deadlines = data.get("deadlines")
    if not isinstance(raw_deadlines, list) or not raw_deadlines:
        errors.append("deadlines: list at least one deadline rule")
        raw_deadlines = []
    for i, raw in enumerate(raw_deadlines):
        read = _deadline(raw, i, {s.id for s in severities}, {c.id for c in categories}, texts, errors)
        if read is not None:
            rule, deadline_texts[read[0].id] = read
            if rule.id in {d.id for d in deadlines}:
                errors.append(f"deadlines[{i}].id: {rule.id!r} is listed twice")
            deadlines.append(rule)
    covered = set().union(*(d.severities for d in deadlines)) if deadlines else set()
    for s in severities:
        if s.id not in covered:
            errors.append(f"deadlines: no rule gives severity {s.id!r} a deadline")
    effects = data.get("serious_incident")
    if not isinstance(effects, dict):
        errors.append("serious_incident: a mapping with suspend_certificate and reopens")
        effects = {}
    extra = set(effects) - {"suspend_certificate", "reopens"}
    if extra:
        errors.append(f"serious_incident: unknown key(s) {', '.join(sorted(extra))}")
    suspend = effects.get("suspend_certificate", False)
    if not isinstance(suspend, bool):
        errors.append(f"serious_incident.suspend_certificate: true or false, not {suspend!r}")
    reopens = effects.get("reopens") or []
    if not isinstance(reopens, list):
        errors.append("serious_incident.reopens: list stage codes such as DEP")
        reopens = []
    for code in reopens:
        if not isinstance(code, str) or not _STAGE_CODE.match(code):
            errors.append(f"serious_incident.reopens: {code!r} is not a stage code such as DEP or OPS")
    if errors:
        raise IncidentRulesError(errors)
    others = {language: {"severities": {c.id: t[language] for c, t in severity_texts},
                         "categories": {c.id: t[language] for c, t in category_texts},
                         "deadlines": {rid: t[language] for rid, t in deadline_texts.items()}}
              for language in texts.languages if language != SOURCE_LANGUAGE}
    return IncidentRules(version, severities, categories, tuple(deadlines), bool(suspend), tuple(reopens),
                         texts.languages, others)




@cache
def load_rules(version: str | None = None, language: str = SOURCE_LANGUAGE) -> IncidentRules:
    """The rules in force, or the shipped ``version`` (the one an incident's deadline came from), with their texts
    in ``language`` (English when the file lacks it). Raises IncidentRulesError for a bad or unknown file."""
    if language != SOURCE_LANGUAGE:
        return load_rules(version).in_language(language)
    filename = version_file("incident-rules", version) if version else RULES_FILE
    return load_version("reviewboard.incidents", "incident-rules", filename, parse_rules, IncidentRulesError,
                        "incident rules")


def localized_rules(version: str | None = None) -> IncidentRules:
    """The rules in force (or ``version``) in the current reader's language (core/language.py)."""
    return load_rules(version, current_language())
