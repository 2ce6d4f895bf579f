"""Risk tiering: questions and rules are data (``data/questionnaire.yaml``); this module applies them.

A rule's ``when`` maps question ids to a value or a list of values; every entry must match. For a
multi-choice question, a list matches when any chosen option is in it. The highest tier among the
matching rules wins; with no match the tier is low.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml


class Tier(StrEnum):
    """A project's risk tier, lowest first. Stored and compared as its text value."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    PROHIBITED = "prohibited"  # prohibited or escalate: a chair clears the project before any review

    @property
    def label(self) -> str:
        return "Prohibited or escalate" if self is Tier.PROHIBITED else self.value.capitalize()

    @property
    def reviewed_as(self) -> Tier:
        """The tier whose criteria, stages and rules apply: a cleared "prohibited" project counts as high."""
        return Tier.HIGH if self is Tier.PROHIBITED else self


def review_tier(tier: str) -> str:
    """``tier`` as catalogs, pipelines and recurrence rules read it (they name low, medium and high)."""
    return Tier(tier).reviewed_as.value


TIER_ORDER = tuple(t.value for t in Tier)
# the tiers that catalogs, pipelines and recurrence rules name (never "prohibited": see Tier.reviewed_as)
REVIEW_TIERS = tuple(t.value for t in Tier if t is t.reviewed_as)
TIER_LABELS = {t.value: t.label for t in Tier}


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    kind: str  # choice | multi | yesno
    options: dict[str, str]


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict
    tier: str
    why: str


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)

    def answer_label(self, qid: str, value) -> str:
        q = self.question(qid)
        if q.kind == "yesno":
            return "Yes" if value == "yes" else "No"
        if q.kind == "multi":
            return ", ".join(q.options.get(v, v) for v in value) or "None"
        return q.options.get(value, str(value))


@cache
def questionnaire() -> Questionnaire:
    raw = yaml.safe_load(resources.files("reviewboard.projects").joinpath("data/questionnaire.yaml").read_text())
    questions = tuple(Question(q["id"], q["label"], q["kind"],
                               dict(q.get("options") or {"yes": "Yes", "no": "No"})) for q in raw["questions"])
    ids = {q.id for q in questions}
    rules = []
    for r in raw["rules"]:
        unknown = set(r["when"]) - ids
        if unknown or r["tier"] not in TIER_ORDER:
            raise ValueError(f"tiering rule {r['id']}: unknown question {unknown} or tier {r['tier']!r}")
        rules.append(Rule(r["id"], dict(r["when"]), r["tier"], r["why"]))
    return Questionnaire(str(raw["version"]), questions, tuple(rules))


def _matches(expected, actual) -> bool:
    wanted = expected if isinstance(expected, list) else [expected]
    if isinstance(actual, list | tuple | set):
        return any(a in wanted for a in actual)
    return actual in wanted


def assess(answers: dict) -> tuple[str, list[dict]]:
    """Return the tier and the reasons (matching rules with the answers that triggered them)."""
    qn = questionnaire()
    matched = [r for r in qn.rules if all(_matches(v, answers.get(k)) for k, v in r.when.items())]
    if not matched:
        return "low", [{"rule": "T-LOW-DEFAULT", "question": "", "answer": "",
                        "explanation": "No answer indicates a higher risk."}]
    tier = max((r.tier for r in matched), key=TIER_ORDER.index)
    reasons = []
    for r in sorted(matched, key=lambda r: -TIER_ORDER.index(r.tier)):
        for qid in r.when:
            reasons.append({"rule": r.id, "tier": r.tier, "question": qn.question(qid).label,
                            "answer": qn.answer_label(qid, answers.get(qid)), "explanation": r.why})
    return tier, reasons
