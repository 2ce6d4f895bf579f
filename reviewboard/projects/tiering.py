"""Risk tiering: questions and rules are data (``data/questionnaire.yaml``); this module applies them.

A rule's ``when`` maps question ids to a value or a list of values; every entry must match. For a
multi-choice question, a list matches when any chosen option is in it. The highest tier among the
matching rules wins; with no match the tier is low.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from importlib import resources

from reviewboard.core import yamlfiles
from reviewboard.core.language import LANGUAGES, SOURCE_LANGUAGE, current_language, text_in


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


YES_NO = {"yes": {"en": "Yes", "zh-Hans": "是"}, "no": {"en": "No", "zh-Hans": "否"}}
NONE_CHOSEN = {"en": "None", "zh-Hans": "无"}


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    kind: str  # choice | multi | yesno
    options: dict[str, str]
    # {"zh-Hans": {"label": ..., "options": {key: ...}}}: the texts in the languages other than English
    translations: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict
    tier: str
    why: str
    translations: dict = field(default_factory=dict, compare=False)  # {"zh-Hans": {"why": ...}}


@dataclass(frozen=True)
class Questionnaire:
    version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    tier_names: dict = field(default_factory=dict, compare=False)  # {tier: {language: name}}

    @cached_property
    def _questions_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, qid: str) -> Question:
        """Raises KeyError for an id the questionnaire does not have. A page asks for each of its questions a few
        times (its label, its options, its answer's words): by id, not by a search through the questions."""
        return self._questions_by_id[qid]

    def label(self, qid: str, language: str = SOURCE_LANGUAGE) -> str:
        q = self.question(qid)
        return (q.translations.get(language) or {}).get("label") or q.label

    def options(self, qid: str, language: str = SOURCE_LANGUAGE) -> dict[str, str]:
        """{option key: its text in ``language``} of a choice question, in the file's order."""
        q = self.question(qid)
        return {**q.options, **(q.translations.get(language) or {}).get("options", {})}

    def tier_name(self, tier: str, language: str = SOURCE_LANGUAGE) -> str:
        return text_in(self.tier_names.get(tier), language) or TIER_LABELS.get(tier, tier)

    def answer_label(self, qid: str, value, language: str = SOURCE_LANGUAGE) -> str:
        q = self.question(qid)
        options = self.options(qid, language)
        if q.kind == "yesno":
            return YES_NO["yes" if value == "yes" else "no"].get(language, YES_NO["no"]["en"])
        if q.kind == "multi":
            return ("、" if language == "zh-Hans" else ", ").join(options.get(v, v) for v in value) or \
                NONE_CHOSEN.get(language, NONE_CHOSEN["en"])
        return options.get(value, str(value))


class QuestionnaireError(ValueError):
    """The questionnaire file is invalid; the message lists every problem, naming the field."""


def _texts(value, where: str, problems: list[str]) -> dict[str, str]:
    """A text in every language of LANGUAGES ({en: ..., zh-Hans: ...}); a missing or empty one is a problem."""
    if not isinstance(value, dict):
        problems.append(f"{where} must give its text in each language ({', '.join(LANGUAGES)})")
        return {SOURCE_LANGUAGE: str(value)}
    for language in sorted(set(value) - set(LANGUAGES)):
        problems.append(f"{where}: unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    for language in LANGUAGES:
        if not isinstance(value.get(language), str) or not value[language].strip():
            problems.append(f"{where} is missing its {language} text")
    return {language: str(value.get(language) or "") for language in LANGUAGES}


def _others(texts: dict[str, str]) -> dict:
    return {language: text for language, text in texts.items() if language != SOURCE_LANGUAGE}


def parse_questionnaire(text: str) -> Questionnaire:
    """Read the questionnaire file. Raises QuestionnaireError listing every text that lacks a language and every
    rule naming an unknown question or tier."""
    raw = yamlfiles.safe_load(text)
    problems: list[str] = []
    questions = []
    for q in raw["questions"]:
        label = _texts(q["label"], f"questions[{q['id']}].label", problems)
        options = {key: _texts(v, f"questions[{q['id']}].options.{key}", problems)
                   for key, v in (q.get("options") or {}).items()}
        translations = {language: {"label": label[language],
                                   "options": {key: texts[language] for key, texts in options.items()}}
                        for language in _others(label)}
        english = {key: texts[SOURCE_LANGUAGE] for key, texts in options.items()} or \
            {key: texts["en"] for key, texts in YES_NO.items()}
        questions.append(Question(q["id"], label[SOURCE_LANGUAGE], q["kind"], english, translations))
    ids = {q.id for q in questions}
    rules = []
    for r in raw["rules"]:
        unknown = set(r["when"]) - ids
        if unknown or r["tier"] not in TIER_ORDER:
            problems.append(f"rules[{r['id']}]: unknown question {unknown} or tier {r['tier']!r}")
        why = _texts(r["why"], f"rules[{r['id']}].why", problems)
        rules.append(Rule(r["id"], dict(r["when"]), r["tier"], why[SOURCE_LANGUAGE],
                          {language: {"why": text} for language, text in _others(why).items()}))
    tier_names = {tier: _texts(names, f"tiers.{tier}", problems) for tier, names in (raw.get("tiers") or {}).items()}
    for tier in sorted(set(TIER_ORDER) - set(tier_names)):
        problems.append(f"tiers.{tier}: missing (name every tier in each language)")
    if problems:
        raise QuestionnaireError("invalid questionnaire:\n  " + "\n  ".join(problems))
    return Questionnaire(str(raw["version"]), tuple(questions), tuple(rules), tier_names)


@cache
def questionnaire() -> Questionnaire:
    return parse_questionnaire(
        resources.files("reviewboard.projects").joinpath("data/questionnaire.yaml").read_text())


def tier_labels(language: str | None = None) -> dict[str, str]:
    """{tier: its name} in ``language`` (default: the reader's, core/language.py), lowest tier first: what pages
    show. TIER_LABELS stays English for the exports, which machines read."""
    language = language or current_language()
    qn = questionnaire()
    return {tier: qn.tier_name(tier, language) for tier in TIER_ORDER}


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
                        "explanation": "No answer indicates a higher risk.",
                        "translations": {"zh-Hans": {"explanation": "没有任何回答表明存在更高风险。"}}}]
    tier = max((r.tier for r in matched), key=TIER_ORDER.index)
    reasons = []
    for r in sorted(matched, key=lambda r: -TIER_ORDER.index(r.tier)):
        for qid in r.when:
            reasons.append({"rule": r.id, "tier": r.tier, "question": qn.question(qid).label,
                            "answer": qn.answer_label(qid, answers.get(qid)), "explanation": r.why,
                            "translations": {language: {
                                "question": qn.label(qid, language),
                                "answer": qn.answer_label(qid, answers.get(qid), language),
                                "explanation": texts["why"]} for language, texts in r.translations.items()}})
    return tier, reasons
