"""The incident rules as data (data/incident-rules-X.Y.Z.yaml): severities, what a serious incident led to,
the deadlines those set and what a serious incident does. Checked when loaded; a bad file refuses to load
with every problem and its place in the file (:class:`IncidentRulesError`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import yaml

from reviewboard.core.errors import RulesFileError

RULES_FILE = "data/incident-rules-1.0.0.yaml"
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


def _choices(data, key: str, errors: list[str], *, with_serious: bool) -> tuple[Choice, ...]:
    found: list[Choice] = []
    raw = data.get(key)
    if not isinstance(raw, list) or not raw:
        errors.append(f"{key}: list at least one {{id, label}}")
        return ()
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            errors.append(f"{where}: must be a mapping with id and label")
            continue
        cid, label = item.get("id"), str(item.get("label") or "").strip()
        if not isinstance(cid, str) or not _ID.match(cid):
            errors.append(f"{where}.id: {cid!r} is not an id such as 'serious' (lower case, digits, _)")
        elif cid in {c.id for c in found}:
            errors.append(f"{where}.id: {cid!r} is listed twice")
        if not label:
            errors.append(f"{where}.label: give the words people choose from")
        serious = item.get("serious", False)
        if with_serious and not isinstance(serious, bool):
            errors.append(f"{where}.serious: true or false, not {serious!r}")
        unknown = set(item) - {"id", "label", *(("serious",) if with_serious else ())}
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        found.append(Choice(str(cid), label, bool(serious) if with_serious else False))
    return tuple(found)


def _id_list(value, known: set[str], where: str, errors: list[str]) -> frozenset[str]:
    if not isinstance(value, list) or not value:
        errors.append(f"{where}: list at least one of {', '.join(sorted(known))}")
        return frozenset()
    for item in value:
        if item not in known:
            errors.append(f"{where}: unknown {item!r} (known: {', '.join(sorted(known))})")
    return frozenset(str(v) for v in value)


def _deadline(raw, i: int, severities: set[str], categories: set[str], errors: list[str]) -> DeadlineRule | None:
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
    for key in ("text", "source"):
        if not str(raw.get(key) or "").strip():
            errors.append(f"{where}.{key}: required")
    return DeadlineRule(str(rid), sev, cats, widespread if isinstance(widespread, bool) else None, days,
                        str(duty), str(raw.get("text") or "").strip(), str(raw.get("source") or "").strip(),
                        str(verified))


def parse_rules(data) -> IncidentRules:
    """Check the loaded YAML; raises IncidentRulesError listing every problem with its place in the file."""
    if not isinstance(data, dict):
        raise IncidentRulesError(["the file must be a mapping with version, severities, categories, deadlines "
                                  "and serious_incident"])
    errors: list[str] = []
    unknown = set(data) - {"version", "severities", "categories", "deadlines", "serious_incident"}
    if unknown:
        errors.append(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    version = str(data.get("version") or "")
    if not _VERSION.match(version):
        errors.append(f"version: {version!r} is not a version such as 1.0.0")
    severities = _choices(data, "severities", errors, with_serious=True)
    categories = _choices(data, "categories", errors, with_serious=False)
    if severities and not any(s.serious for s in severities):
        errors.append("severities: mark one severity serious: true (the serious incident)")
    deadlines = []
    raw_deadlines = data.get("deadlines")
    if not isinstance(raw_deadlines, list) or not raw_deadlines:
        errors.append("deadlines: list at least one deadline rule")
        raw_deadlines = []
    for i, raw in enumerate(raw_deadlines):
        rule = _deadline(raw, i, {s.id for s in severities}, {c.id for c in categories}, errors)
        if rule is not None:
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
    return IncidentRules(version, severities, categories, tuple(deadlines), bool(suspend), tuple(reopens))


@lru_cache(maxsize=1)
def load_rules() -> IncidentRules:
    text = resources.files("reviewboard.incidents").joinpath(RULES_FILE).read_text()
    return parse_rules(yaml.safe_load(text))
