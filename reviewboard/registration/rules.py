"""Registration duties as data (``data/duties-<version>.yaml``): the facts they are judged on and the rules
that raise each duty. Validated when loaded (a bad file refuses to load, naming every problem); pure Python,
no database. :func:`evaluate` applies the rules to a project's facts.

A file may give every text a person reads in several languages (``languages: [en, zh-Hans]``, each text a mapping
``{en: ..., zh-Hans: ...}``, as catalogs do); a file without ``languages`` is English only (1.0.0). English stays
in the specs' plain fields; :meth:`Ruleset.in_language` gives the same ruleset with the texts of another
language, so :func:`evaluate` and :func:`fact_value_label` speak it. Their few fixed words ("Yes", "Not given",
"[unverified]") come from the interface's catalogs (reviewboard/translations).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from reviewboard.core.errors import RulesFileError
from reviewboard.core.language import SOURCE_LANGUAGE, FileTexts, current_language, file_languages
from reviewboard.core.rules_files import load_version, version_file
from reviewboard.i18n.help import N_  # the fixed words below are translated in the ruleset's language
from reviewboard.i18n.languages import catalogue

RULESET_FILE = "duties-1.1.0.yaml"  # the version in force: a new version is a new file
FACTS = ("sector", "public_service", "generative_public", "user_count", "training_flop", "parameter_count")
BOOLEAN_FACTS = frozenset({"public_service", "generative_public"})
NUMERIC_FACTS = frozenset({"user_count", "training_flop", "parameter_count"})
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,59}$")
_STAGE = re.compile(r"^[A-Z]{2,8}$")


_WORDS = {"not_given": N_("Not given"), "yes": N_("Yes"), "no": N_("No"), "unverified": N_("%(ref)s [unverified]"),
          "reason": N_("%(why)s (%(facts)s)"), "fact": N_("%(name)s: %(value)s")}


class RulesetError(RulesFileError):
    pass


@dataclass(frozen=True)
class Source:
    ref: str
    verified: bool

    def __str__(self) -> str:
        return self.ref if self.verified else _WORDS["unverified"] % {"ref": self.ref}


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
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # the languages the file gives every text in
    # {language: {"fact_labels": {...}, "fact_names": {...}, "sectors": {...}, "duties": {code: {"title": ...,
    # "authority": ..., "sources": [ref, ...], "whys": [why, ...]}}}}: the texts in the other languages
    translations: dict = field(default_factory=dict, compare=False, repr=False)
    language: str = SOURCE_LANGUAGE  # the language of the plain fields

    def definition(self, code: str) -> DutyDefinition | None:
        return next((d for d in self.duties if d.code == code), None)

    def word(self, key: str) -> str:
        """One of the fixed words (_WORDS) in the ruleset's language."""
        return catalogue(self.language).gettext(_WORDS[key])

    def in_language(self, language: str) -> Ruleset:
        """The (English) ruleset with its texts in ``language``: itself for an English-only file or a language the
        file lacks."""
        if language == self.language or language not in self.translations:
            return self
        texts = self.translations[language]

        def duty(d: DutyDefinition) -> DutyDefinition:
            own = texts["duties"][d.code]
            return replace(d, title=own["title"], authority=own["authority"],
                           sources=tuple(replace(s, ref=ref) for s, ref in zip(d.sources, own["sources"], strict=True)),
                           rules=tuple(replace(r, why=why) for r, why in zip(d.rules, own["whys"], strict=True)))

        return replace(self, fact_labels=texts["fact_labels"], fact_names=texts["fact_names"],
                       sectors=texts["sectors"], duties=tuple(duty(d) for d in self.duties), language=language)

    def cite(self, source: Source) -> str:
        """A source as printed: its reference, marked unverified (in the ruleset's language) unless checked."""
        return source.ref if source.verified else self.word("unverified") % {"ref": source.ref}


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
    """Validate the loaded YAML; raises RulesetError listing every problem with its place in the file (a text
    missing one of the file's languages included)."""
    if not isinstance(data, dict):
        raise RulesetError(["the file must be a mapping with version, facts and duties"])
    errors: list[str] = []
    version = str(data.get("version") or "")
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        errors.append("version: give a version such as 1.0.0")
    languages = file_languages(data, errors)
    texts = FileTexts(languages, errors)
    facts = data.get("facts") or {}
    if not isinstance(facts, dict) or set(facts) != set(FACTS):
        errors.append(f"facts: describe exactly these facts: {', '.join(FACTS)}")
        facts = {}
    options = (facts.get("sector") or {}).get("options") or {}
    sectors = {str(key): texts(v, f"facts.sector.options.{key}") for key, v in dict(options).items()}
    if facts and not sectors:
        errors.append("facts.sector.options: list the sectors")
    labels, names = {}, {}
    for f in FACTS:
        described = facts.get(f) or {}
        labels[f] = texts(described.get("label"), f"facts.{f}.label", required=bool(facts)) if facts else {}
        names[f] = texts(described.get("name"), f"facts.{f}.name", required=bool(facts)) if facts else {}
    duties: list[dict] = []
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
        before = raw.get("required_before")
        if before is not None and not (isinstance(before, str) and _STAGE.match(before)):
            errors.append(f"{where}.required_before: {before!r} is not a stage code such as DEP")
        sources = []
        for j, s in enumerate(raw.get("sources") or []):
            if not isinstance(s, dict) or not s.get("ref") or not isinstance(s.get("verified"), bool):
                errors.append(f"{where}.sources[{j}]: give ref and verified (true or false)")
                continue
            sources.append((texts(s["ref"], f"{where}.sources[{j}].ref"), s["verified"]))
        if not sources:
            errors.append(f"{where}.sources: cite at least one source")
        rules = []
        for j, r in enumerate(raw.get("rules") or []):
            if not isinstance(r, dict) or not isinstance(r.get("when"), dict) or not r["when"]:
                errors.append(f"{where}.rules[{j}]: give when (facts and values) and why")
                continue
            for fact, expected in r["when"].items():
                errors.extend(_check_condition(f"{where}.rules[{j}].when", fact, expected, sectors))
            if not r.get("why"):
                errors.append(f"{where}.rules[{j}].why: say why the duty applies")
                continue
            rules.append((dict(r["when"]), texts(r["why"], f"{where}.rules[{j}].why")))
        if not rules:
            errors.append(f"{where}.rules: at least one rule raises the duty")
        duties.append({"code": code, "before": before, "sources": sources, "rules": rules,
                       "title": texts(raw.get("title"), f"{where}.title"),
                       "authority": texts(raw.get("authority"), f"{where}.authority")})
    if errors:
        raise RulesetError(errors)

    def in_(language: str) -> dict:
        return {"fact_labels": {f: t[language] for f, t in labels.items()},
                "fact_names": {f: t[language] for f, t in names.items()},
                "sectors": {k: t[language] for k, t in sectors.items()},
                "duties": {d["code"]: {"title": d["title"][language], "authority": d["authority"][language],
                                       "sources": [ref[language] for ref, _verified in d["sources"]],
                                       "whys": [why[language] for _when, why in d["rules"]]} for d in duties}}

    english = in_(SOURCE_LANGUAGE)
    definitions = tuple(DutyDefinition(d["code"], d["title"][SOURCE_LANGUAGE], d["authority"][SOURCE_LANGUAGE],
                                       d["before"], tuple(Source(ref[SOURCE_LANGUAGE], verified)
                                                          for ref, verified in d["sources"]),
                                       tuple(DutyRule(when, why[SOURCE_LANGUAGE]) for when, why in d["rules"]))
                        for d in duties)
    return Ruleset(version, english["fact_labels"], english["fact_names"], english["sectors"], definitions, languages,
                   {language: in_(language) for language in languages if language != SOURCE_LANGUAGE})


def ruleset_file(version: str) -> str:
    return version_file("duties", version)


@cache
def ruleset(version: str | None = None, language: str = SOURCE_LANGUAGE) -> Ruleset:
    """The ruleset in force, or the shipped ``version`` (what a project's duties were recorded under), with its
    texts in ``language`` (English when the file lacks it). Raises RulesetError for a bad or unknown file."""
    if language != SOURCE_LANGUAGE:
        return ruleset(version).in_language(language)
    filename = ruleset_file(version) if version else RULESET_FILE
    return load_version("reviewboard.registration", "duties", filename, parse_ruleset, RulesetError, "ruleset")


def localized_ruleset() -> Ruleset:
    """The ruleset in force in the current reader's language (core/language.py: the interface's)."""
    return ruleset(language=current_language())


def _holds(fact: str, expected, actual) -> bool:
    if actual is None:
        return False
    if fact in NUMERIC_FACTS:
        return all((actual > v) if k == "above" else (actual >= v) for k, v in expected.items())
    if isinstance(expected, list):
        return actual in expected
    return actual == expected


def fact_value_label(fact: str, value, rules: Ruleset | None = None) -> str:
    """A fact's value as people read it, in the ruleset's language: a sector's name, Yes or No, a number with its
    unit."""
    rules = rules or ruleset()
    if value is None:
        return rules.word("not_given")
    if fact == "sector":
        return rules.sectors.get(value, value)
    if fact in BOOLEAN_FACTS:
        return rules.word("yes" if value else "no")
    if fact == "training_flop":
        return f"{value:.3g} FLOP"
    return f"{int(value):,}"


def evaluate(facts: dict, rules: Ruleset | None = None) -> list[Duty]:
    """The duties the facts raise, in the ruleset's order and language, each with the reasons (the matching
    rules' why, with the facts they read)."""
    rules = rules or ruleset()
    raised = []
    for definition in rules.duties:
        reasons = []
        for rule in definition.rules:
            if all(_holds(f, v, facts.get(f)) for f, v in rule.when.items()):
                read = "; ".join(rules.word("fact") % {"name": rules.fact_names[f],
                                                       "value": fact_value_label(f, facts.get(f), rules)}
                                 for f in rule.when)
                reasons.append(rules.word("reason") % {"why": rule.why, "facts": read})
        if reasons:
            raised.append(Duty(definition.code, definition.title, definition.authority,
                               "; ".join(rules.cite(s) for s in definition.sources), tuple(reasons),
                               definition.required_before, definition.sources))
    return raised
