"""The re-review rules as data (data/rules.yaml): which project fields reopen which stages, and how
often recurring stages come back, by tier. Validated when loaded; a bad file refuses to load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

from reviewboard.core.errors import RulesFileError
from reviewboard.projects.tiering import REVIEW_TIERS

# project fields a rule may name (projects.models.PROJECT_FIELDS less "name", plus answers and tier), the
# registration facts (projects.models.FACT_FIELDS) and "artifacts": a new system version whose artifacts differ
KNOWN_FIELDS = frozenset({"purpose", "intended_users", "scenario", "model", "system_type", "data_categories",
                          "deployment_context", "autonomy_level", "scale", "answers", "tier", "artifacts",
                          "sector", "public_service", "generative_public", "user_count", "training_flop",
                          "parameter_count"})
RECURRING_TIERS = REVIEW_TIERS
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
class Rules:
    material_changes: tuple[MaterialChangeRule, ...]
    recurrence: dict[str, dict[str, int]]  # stage code -> tier -> months

    def affected(self, changed_fields) -> dict[str, tuple[list[str] | None, list[str], list[str]]]:
        """Stage code -> (criterion codes to reopen or None for all, reasons, fields) for these changes."""
        changed = set(changed_fields)
        found: dict[str, tuple[list[str] | None, list[str], list[str]]] = {}
        for rule in self.material_changes:
            hit = sorted(rule.fields & changed)
            if not hit:
                continue
            for code in rule.reopens:
                codes, reasons, fields = found.get(code, ([], [], []))
                narrowed = rule.criteria.get(code)
                codes = None if codes is None or narrowed is None else sorted(set(codes) | set(narrowed))
                found[code] = (codes, reasons + [rule.reason], sorted(set(fields) | set(hit)))
        return found


def parse_rules(data) -> Rules:
    """Validate the loaded YAML; raises RulesError listing every problem with its place in the file."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise RulesError(["the file must be a mapping with 'material_changes' and 'recurrence'"])
    unknown = set(data) - {"material_changes", "recurrence"}
    if unknown:
        errors.append(f"unknown top-level key(s): {', '.join(sorted(unknown))}")
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
        if not str(raw.get("reason") or "").strip():
            errors.append(f"{where}.reason: say why these changes need a new review")
        criteria = raw.get("criteria") or {}
        if not isinstance(criteria, dict):
            errors.append(f"{where}.criteria: must map a stage code to a list of criterion codes")
            criteria = {}
        for code, listed in criteria.items():
            if code not in reopens:
                errors.append(f"{where}.criteria: {code!r} is not one of the stages this rule reopens")
            if not isinstance(listed, list) or not all(isinstance(c, str) and c for c in listed):
                errors.append(f"{where}.criteria.{code}: list criterion codes such as RB-{code}-01")
        rules.append(MaterialChangeRule(frozenset(fields), str(raw.get("reason") or "").strip(),
                                        tuple(reopens), {k: tuple(v) for k, v in criteria.items()
                                                         if isinstance(v, list)}))
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
    return Rules(tuple(rules), recurrence)


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


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    text = resources.files("reviewboard.rereview").joinpath("data/rules.yaml").read_text()
    return parse_rules(yaml.safe_load(text))
