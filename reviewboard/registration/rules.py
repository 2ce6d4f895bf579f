"""Registration duties as data (``data/duties-<version>.yaml``): the facts they are judged on and the rules
that raise each duty. Validated when loaded (a bad file refuses to load, naming every problem); pure Python,
no database. :func:`evaluate` applies the rules to a project's facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from reviewboard.core.errors import RulesFileError

RULESET_FILE = "duties-1.0.0.yaml"  # the version in force: a new version is a new file
FACTS = ("sector", "public_service", "generative_public", "user_count", "training_flop", "parameter_count")
BOOLEAN_FACTS = frozenset({"public_service", "generative_public"})
NUMERIC_FACTS = frozenset({"user_count", "training_flop", "parameter_count"})
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,59}$")
_STAGE = re.compile(r"^[A-Z]{2,8}$")


class RulesetError(RulesFileError):
    pass


@dataclass(frozen=True)
class Source:
    ref: str
    verified: bool

    def __str__(self) -> str:
        return self.ref if self.verified else f"{self.ref} [unverified]"


@dataclass(frozen=True)
class DutyRule:
    when: dict
    why: str


@dataclass(frozen=True)
class DutyDefinition:
    code: str
    title: str
    authority: str
    required_before: str | None
    sources: tuple[Source, ...]
    rules: tuple[DutyRule, ...]


@dataclass(frozen=True)
class Duty:
    """A duty raised for a project: what to file, with whom, on which source, why, and before which stage."""

    code: str
    title: str
    authority: str
    source: str  # the citations, each marked [unverified] unless checked against the text
    reasons: tuple[str, ...]
    required_before_stage: str | None
    sources: tuple[Source, ...] = ()

    def describe(self) -> str:
        return f"{self.title} ({self.code}, {self.authority})"


@dataclass(frozen=True)
class Ruleset:
    version: str
    fact_labels: dict[str, str]  # the question on the form
    fact_names: dict[str, str]  # the short name printed in reasons and records
    sectors: dict[str, str]
    duties: tuple[DutyDefinition, ...]

    def definition(self, code: str) -> DutyDefinition | None:
        return next((d for d in self.duties if d.code == code), None)


def _check_condition(where: str, fact, expected, sectors: dict) -> list[str]:
    if fact not in FACTS:
        return [f"{where}: unknown fact {fact!r} (known: {', '.join(FACTS)})"]
    if fact in NUMERIC_FACTS:
        if not isinstance(expected, dict) or set(expected) - {"above", "at_least"} or not expected:
            return [f"{where}.{fact}: compare a number with 'above' or 'at_least', e.g. {{above: 1.0e+25}}"]
        return [f"{where}.{fact}.{k}: {v!r} is not a number (YAML needs a sign in an exponent: 1.0e+25)"
                for k, v in expected.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if fact in BOOLEAN_FACTS:
        return [] if isinstance(expected, bool) else [f"{where}.{fact}: give true or false"]
    values = expected if isinstance(expected, list) else [expected]
    return [f"{where}.sector: unknown sector {v!r}" for v in values if v not in sectors]


def parse_ruleset(data) -> Ruleset:
    """Validate the loaded YAML; raises RulesetError listing every problem with its place in the file."""
    if not isinstance(data, dict):
        raise RulesetError(["the file must be a mapping with version, facts and duties"])
    errors: list[str] = []
    version = str(data.get("version") or "")
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        errors.append("version: give a version such as 1.0.0")
    facts = data.get("facts") or {}
    if not isinstance(facts, dict) or set(facts) != set(FACTS):
        errors.append(f"facts: describe exactly these facts: {', '.join(FACTS)}")
        facts = {}
    sectors = dict((facts.get("sector") or {}).get("options") or {})
    if facts and not sectors:
        errors.append("facts.sector.options: list the sectors")
    labels = {f: str((facts.get(f) or {}).get("label") or f) for f in FACTS}
    names = {f: str((facts.get(f) or {}).get("name") or f) for f in FACTS}
    duties: list[DutyDefinition] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("duties") or []):
        where = f"duties[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        code = str(raw.get("code") or "")
        if not _CODE.match(code):
            errors.append(f"{where}.code: {code!r} is not a duty code such as TC260-GENAI-FILING")
        if code in seen:
            errors.append(f"{where}.code: {code} is used twice")
        seen.add(code)
        for key in ("title", "authority"):
            if not str(raw.get(key) or "").strip():
                errors.append(f"{where}.{key}: missing")
        before = raw.get("required_before")
        if before is not None and not (isinstance(before, str) and _STAGE.match(before)):
            errors.append(f"{where}.required_before: {before!r} is not a stage code such as DEP")
        sources = []
        for j, s in enumerate(raw.get("sources") or []):
            if (not isinstance(s, dict) or not str(s.get("ref") or "").strip()
                    or not isinstance(s.get("verified"), bool)):
                errors.append(f"{where}.sources[{j}]: give ref and verified (true or false)")
                continue
            sources.append(Source(str(s["ref"]).strip(), s["verified"]))
        if not sources:
            errors.append(f"{where}.sources: cite at least one source")
        rules = []
        for j, r in enumerate(raw.get("rules") or []):
            if not isinstance(r, dict) or not isinstance(r.get("when"), dict) or not r["when"]:
                errors.append(f"{where}.rules[{j}]: give when (facts and values) and why")
                continue
            for fact, expected in r["when"].items():
                errors.extend(_check_condition(f"{where}.rules[{j}].when", fact, expected, sectors))
            if not str(r.get("why") or "").strip():
                errors.append(f"{where}.rules[{j}].why: say why the duty applies")
            rules.append(DutyRule(dict(r["when"]), str(r.get("why") or "").strip()))
        if not rules:
            errors.append(f"{where}.rules: at least one rule raises the duty")
        duties.append(DutyDefinition(code, str(raw.get("title") or "").strip(), str(raw.get("authority") or "").strip(),
                                     before, tuple(sources), tuple(rules)))
    if errors:
        raise RulesetError(errors)
    return Ruleset(version, labels, names, sectors, tuple(duties))


@cache
def ruleset() -> Ruleset:
    text = resources.files("reviewboard.registration").joinpath(f"data/{RULESET_FILE}").read_text()
    loaded = parse_ruleset(yaml.safe_load(text))
    if f"duties-{loaded.version}.yaml" != RULESET_FILE:
        raise RulesetError([f"{RULESET_FILE} says version {loaded.version}"])
    return loaded


def _holds(fact: str, expected, actual) -> bool:
    if actual is None:
        return False
    if fact in NUMERIC_FACTS:
        return all((actual > v) if k == "above" else (actual >= v) for k, v in expected.items())
    if isinstance(expected, list):
        return actual in expected
    return actual == expected


def fact_value_label(fact: str, value, rules: Ruleset | None = None) -> str:
    """A fact's value as people read it: a sector's name, Yes or No, a number with its unit."""
    rules = rules or ruleset()
    if value is None:
        return "Not given"
    if fact == "sector":
        return rules.sectors.get(value, value)
    if fact in BOOLEAN_FACTS:
        return "Yes" if value else "No"
    if fact == "training_flop":
        return f"{value:.3g} FLOP"
    return f"{int(value):,}"


def evaluate(facts: dict, rules: Ruleset | None = None) -> list[Duty]:
    """The duties the facts raise, in the ruleset's order, each with the reasons (the matching rules' why,
    with the facts they read)."""
    rules = rules or ruleset()
    raised = []
    for definition in rules.duties:
        reasons = []
        for rule in definition.rules:
            if all(_holds(f, v, facts.get(f)) for f, v in rule.when.items()):
                read = "; ".join(f"{rules.fact_names[f]}: {fact_value_label(f, facts.get(f), rules)}"
                                 for f in rule.when)
                reasons.append(f"{rule.why} ({read})")
        if reasons:
            raised.append(Duty(definition.code, definition.title, definition.authority,
                               "; ".join(str(s) for s in definition.sources), tuple(reasons),
                               definition.required_before, definition.sources))
    return raised
