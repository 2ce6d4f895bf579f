"""Risk tiering: questions and rules are data (``data/questionnaire.yaml``); this module applies them.

A rule's ``when`` maps question ids to a value or a list of values; every entry must match. For a
multi-choice question, a list matches when any chosen option is in it. The highest tier among the
matching rules wins; with no match the tier is low.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

TIER_ORDER = ("low", "medium", "high", "prohibited")
TIER_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "prohibited": "Prohibited or escalate"}


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
