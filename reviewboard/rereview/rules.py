"""The re-review rules as data (data/rules-<version>.yaml; data/rules.yaml is 1.0.0): which project fields reopen
which stages, and how often recurring stages come back, by tier. Validated when loaded; a bad file refuses to load.

A file may give each reason in several languages (``languages: [en, zh-Hans]``, each a mapping ``{en: ...,
zh-Hans: ...}``, as registration duties do); 1.0.0 is English only. English stays in the rules' plain fields (what
the audit trail keeps); :meth:`Rules.in_language` gives the same rules with the reasons of another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache

from reviewboard.core.errors import RulesFileError
from reviewboard.core.language import SOURCE_LANGUAGE, FileTexts, file_languages
from reviewboard.core.rules_files import load_version, version_file
from reviewboard.projects.tiering import REVIEW_TIERS

# project fields a rule may name (projects.models.PROJECT_FIELDS less "name", plus answers and tier), the
# registration facts (projects.models.FACT_FIELDS) and "artifacts": a new system version whose artifacts differ
KNOWN_FIELDS = frozenset({"purpose", "intended_users", "scenario", "model", "system_type", "data_categories",
                          "deployment_context", "autonomy_level", "scale", "answers", "tier", "artifacts",
                          "sector", "public_service", "generative_public", "user_count", "training_flop",
                          "parameter_count"})
RECURRING_TIERS = REVIEW_TIERS
RULES_FILE = "rules-1.1.0.yaml"  # the version in force: a new version is a new file
PUBLISHED_UNVERSIONED = {"1.0.0": "rules.yaml"}  # published before a file named (and gave) its version
_STAGE_CODE = re.compile(r"^[A-Z]{2,8}$")


class RulesError(RulesFileError):
    pass


@dataclass(frozen=True)
class MaterialChangeRule:
    fields: frozenset[str]
    reason: str
    reopens: tuple[str, ...]
    criteria: dict[str, tuple[str, ...]] = field(default_factory=dict)  # stage code -> criterion codes


@dataclass(frozen=True)
class Affected:
    """What a change does to one stage: the criterion codes to reopen (None: all), the reasons, the changed fields
    the rules read, and the rules' positions in the file (which, with the version, say the reasons again)."""

    codes: list[str] | None
    reasons: list[str]
    fields: list[str]
    rules: list[int]


@dataclass(frozen=True)
class Rules:
    material_changes: tuple[MaterialChangeRule, ...]
    recurrence: dict[str, dict[str, int]]  # stage code -> tier -> months
    version: str = "1.0.0"
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # the languages the file gives every reason in
    # {language: [reason, ...]}: the material changes' reasons (in the file's order) in the other languages
    translations: dict = field(default_factory=dict, compare=False, repr=False)
    language: str = SOURCE_LANGUAGE  # the language of the plain fields

    def in_language(self, language: str) -> Rules:
        """The (English) rules with their reasons in ``language``: themselves for an English-only file or a
        language the file lacks."""
        if language == self.language or language not in self.translations:
            return self
        reasons = self.translations[language]
        return replace(self, material_changes=tuple(replace(rule, reason=reason) for rule, reason in
                                                    zip(self.material_changes, reasons, strict=True)),
                       language=language)

    def affected(self, changed_fields) -> dict[str, Affected]:
        """Stage code -> what these changes do to it (:class:`Affected`)."""
        changed = set(changed_fields)
        found: dict[str, Affected] = {}
        for position, rule in enumerate(self.material_changes):
            hit = sorted(rule.fields & changed)
            if not hit:
                continue
            for code in rule.reopens:
                before = found.get(code, Affected([], [], [], []))
                narrowed = rule.criteria.get(code)
                codes = None if before.codes is None or narrowed is None else sorted(set(before.codes) | set(narrowed))
                found[code] = Affected(codes, before.reasons + [rule.reason], sorted(set(before.fields) | set(hit)),
                                       before.rules + [position])
        return found


def parse_rules(data) -> Rules:
    """Validate the loaded YAML; raises RulesError listing every problem with its place in the file."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise RulesError(["the file must be a mapping with 'material_changes' and 'recurrence'"])
    unknown = set(data) - {"version", "languages", "material_changes", "recurrence"}
    if unknown:
        errors.append(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    version = str(data.get("version") or "1.0.0")  # 1.0.0 did not say
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        errors.append(f"version: {version!r} is not a version such as 1.1.0")
    texts = FileTexts(file_languages(data, errors), errors)
    reasons: list[dict[str, str]] = []
    rules: list[MaterialChangeRule] = []
    for i, raw in enumerate(data.get("material_changes") or []):
        where = f"material_changes[{i}]"
        if not isinstance(raw, dict):
            errors.append(f"{where}: must be a mapping with fields, reason and reopens")
            continue
        fields, reopens = raw.get("fields"), raw.get("reopens")
        if not isinstance(fields, list) or not fields:
            errors.append(f"{where}.fields: list at least one project field")
            fields = []
        for name in fields:
            if name not in KNOWN_FIELDS:
                errors.append(f"{where}.fields: unknown project field {name!r} "
                              f"(known: {', '.join(sorted(KNOWN_FIELDS))})")
        if not isinstance(reopens, list) or not reopens:
            errors.append(f"{where}.reopens: list at least one stage code")
            reopens = []
        for code in reopens:
            if not isinstance(code, str) or not _STAGE_CODE.match(code):
                errors.append(f"{where}.reopens: {code!r} is not a stage code such as DES or OPS")
        if not raw.get("reason"):
            errors.append(f"{where}.reason: say why these changes need a new review")
            reason = {language: "" for language in texts.languages}
        else:
            reason = texts(raw["reason"], f"{where}.reason")
        reasons.append(reason)
        criteria = raw.get("criteria") or {}
        if not isinstance(criteria, dict):
            errors.append(f"{where}.criteria: must map a stage code to a list of criterion codes")
            criteria = {}
        for code, listed in criteria.items():
            if code not in reopens:
                errors.append(f"{where}.criteria: {code!r} is not one of the stages this rule reopens")
            if not isinstance(listed, list) or not all(isinstance(c, str) and c for c in listed):
                errors.append(f"{where}.criteria.{code}: list criterion codes such as RB-{code}-01")
        rules.append(MaterialChangeRule(frozenset(fields), reason[SOURCE_LANGUAGE], tuple(reopens),
                                        {k: tuple(v) for k, v in criteria.items() if isinstance(v, list)}))
    recurrence: dict[str, dict[str, int]] = {}
    raw_recurrence = data.get("recurrence") or {}
    if not isinstance(raw_recurrence, dict):
        errors.append("recurrence: must map a stage code to {tier: months}")
        raw_recurrence = {}
    for code, by_tier in raw_recurrence.items():
        if not isinstance(code, str) or not _STAGE_CODE.match(code):
            errors.append(f"recurrence: {code!r} is not a stage code such as OPS")
        errors.extend(f"recurrence.{code}: {problem}" for problem in check_recurrence(by_tier))
        if not errors:
            recurrence[code] = {t: int(m) for t, m in by_tier.items()}
    if errors:
        raise RulesError(errors)
    others = [language for language in texts.languages if language != SOURCE_LANGUAGE]
    return Rules(tuple(rules), recurrence, version, texts.languages,
                 {language: [r[language] for r in reasons] for language in others})


def check_recurrence(by_tier) -> list[str]:
    """Problems with a {tier: months} mapping (also used for a pipeline stage's own recurrence)."""
    if not isinstance(by_tier, dict) or not by_tier:
        return ["give months by tier, e.g. {high: 6, medium: 12, low: 24}"]
    problems = []
    for tier, months in by_tier.items():
        if tier not in RECURRING_TIERS:
            problems.append(f"unknown tier {tier!r} (use low, medium or high)")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 120:
            problems.append(f"{tier}: months must be a whole number from 1 to 120, not {months!r}")
    return problems


@cache
def load_rules(version: str | None = None, language: str = SOURCE_LANGUAGE) -> Rules:
    """The rules in force, or the shipped ``version`` (the one a stage was reopened under), with their reasons in
    ``language`` (English when the file lacks it). Raises RulesError for a bad or unknown file."""
    if language != SOURCE_LANGUAGE:
        return load_rules(version).in_language(language)
    filename = (PUBLISHED_UNVERSIONED.get(version) or version_file("rules", version)) if version else RULES_FILE
    return load_version("reviewboard.rereview", "rules", filename, parse_rules, RulesError, "re-review rules",
                        PUBLISHED_UNVERSIONED)
