"""Resubmission: what changed between two submission rounds, which criteria are reopened, and the verdicts
carried over to the next round.

The diff is computed from the rounds' snapshots alone (:func:`diff_snapshots` and :func:`reopen_codes` are pure
and unit-tested). When a stage's decision is "changes requested", the criteria the requesting reviewers marked
become ``StageReview.reopen_codes`` (None = every criterion). On the next submission each reviewer's verdicts on
the criteria that were not reopened are copied into the new round (``carried_over``), so they re-examine only
the reopened ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from reviewboard.audit.services import record_event
from reviewboard.core.language import current_language
from reviewboard.extensions import db
from reviewboard.projects.models import FACT_FIELDS
from reviewboard.projects.tiering import questionnaire, tier_labels
from reviewboard.registration.rules import fact_value_label, ruleset
from reviewboard.reviews.models import Verdict
from reviewboard.reviews.workflow import Outcome

log = logging.getLogger("reviewboard.reviews")

FIELD_LABELS = {
    "name": _l("Project name"), "purpose": _l("Purpose"), "intended_users": _l("Intended users"),
    "scenario": _l("Application scenario"), "model": _l("AI models and versions"), "system_type": _l("AI system type"),
    "data_categories": _l("Data categories"),
    "deployment_context": _l("Deployment context"), "autonomy_level": _l("Autonomy level"), "scale": _l("Scale"),
    "tier": _l("Risk tier"),
    # registration facts (reviewboard/registration), in a round's snapshot once given
    "sector": _l("Sector"), "public_service": _l("Public-facing service"),
    "generative_public": _l("Generative content for the public"), "user_count": _l("Users"),
    "training_flop": _l("Training compute"), "parameter_count": _l("Model size"),
}


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EvidenceChange:
    kind: str  # added | replaced | withdrawn
    criterion: str
    filename: str
    sha256: str
    old_filename: str = ""
    old_sha256: str = ""


@dataclass
class RoundDiff:
    before_round: int
    after_round: int
    fields: list[Change] = field(default_factory=list)
    answers: list[Change] = field(default_factory=list)
    evidence: list[EvidenceChange] = field(default_factory=list)
    note: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.fields or self.answers or self.evidence)

    def evidence_of(self, kind: str) -> list[EvidenceChange]:
        return [e for e in self.evidence if e.kind == kind]


def show_value(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _changes(before: dict, after: dict, keys: Iterable[str], label: Callable[[str], str],
             show: Callable[[str, object], str]) -> list[Change]:
    return [Change(k, label(k), show(k, before.get(k)), show(k, after.get(k)))
            for k in keys if before.get(k) != after.get(k)]


def diff_snapshots(before: dict, after: dict, *, before_round: int = 0, after_round: int = 0, note: str = "",
                   label: Callable[[str], str] | None = None,
                   show: Callable[[str, object], str] | None = None) -> RoundDiff:
    """What changed from the ``before`` snapshot to ``after`` (both from ``stage_snapshot``).

    Project fields and questionnaire answers are compared value by value (answers that repeat a project
    field are reported once, as the field). Evidence is matched by id: a new file on a criterion that lost
    a file in the same round is "replaced", other new files are "added", files gone are "withdrawn".
    ``label(key)`` and ``show(key, value)`` turn keys and values into words (defaults: field labels and
    plain text).
    """
    label = label or (lambda k: FIELD_LABELS.get(k, k.replace("_", " ").capitalize()))
    show = show or (lambda _k, v: show_value(v))
    project_before, project_after = before.get("project", {}), after.get("project", {})
    field_keys = [k for k in FIELD_LABELS if k in project_before or k in project_after]
    answers_before, answers_after = project_before.get("answers", {}), project_after.get("answers", {})
    answer_keys = sorted((set(answers_before) | set(answers_after)) - set(FIELD_LABELS))
    diff = RoundDiff(before_round, after_round, note=note.strip())
    diff.fields = _changes(project_before, project_after, field_keys, label, show)
    diff.answers = _changes(answers_before, answers_after, answer_keys, label, show)
    diff.evidence = _evidence_changes(before.get("evidence", []), after.get("evidence", []))
    return diff


def _evidence_changes(before: list[dict], after: list[dict]) -> list[EvidenceChange]:
    before_ids, after_ids = {e["id"] for e in before}, {e["id"] for e in after}
    new = [e for e in after if e["id"] not in before_ids]
    gone = [e for e in before if e["id"] not in after_ids]
    changes = []
    for e in new:
        old = next((g for g in gone if g["criterion"] == e["criterion"]), None)
        if old is not None:
            gone.remove(old)
            if old["sha256"] == e["sha256"]:
                continue  # the same bytes uploaded again: nothing for a reviewer to look at
            changes.append(EvidenceChange("replaced", e["criterion"], e["filename"], e["sha256"],
                                          old["filename"], old["sha256"]))
        else:
            changes.append(EvidenceChange("added", e["criterion"], e["filename"], e["sha256"]))
    changes += [EvidenceChange("withdrawn", g["criterion"], g["filename"], g["sha256"]) for g in gone]
    return sorted(changes, key=lambda c: (c.criterion, c.kind, c.filename))


def reopen_codes(marked: Iterable[Iterable[str]], all_codes: Iterable[str]) -> list[str] | None:
    """The criteria reopened for the next round: the union of what each reviewer who requested changes
    marked. None (reopen everything) when nobody marked anything or the marks cover every criterion."""
    union = set()
    for codes in marked:
        union |= set(codes)
    if not union or union >= set(all_codes):
        return None
    return sorted(union)


# ------------------------------------------------------------------------------------------- database side

def record_reopen_codes(stage, round_) -> None:
    """Called when the stage's decision is "changes requested": store which criteria are reopened."""
    by_id = {c.id: c.code for c in stage.applicable_criteria()}
    requesting = {s.reviewer_id for s in round_.signoffs if s.outcome == Outcome.REQUEST_CHANGES}
    marked = [{by_id[v.criterion_id] for v in round_.verdicts
               if v.reviewer_id == reviewer_id and v.reopen and v.criterion_id in by_id}
              for reviewer_id in requesting]
    stage.reopen_codes = reopen_codes(marked, by_id.values())


def carry_over(actor, stage, previous, current) -> int:
    """Copy each reviewer's verdicts of ``previous`` round on criteria not reopened into ``current``.

    Runs on every submission after the first (a resubmission, or a submission after a re-review reopened a
    passed stage). Nothing is carried when every criterion is reopened. Returns how many verdicts were copied.
    """
    if previous is None or stage.reopen_codes is None:
        return 0
    applicable = {c.id: c.code for c in stage.applicable_criteria()}
    copied = [Verdict(round_id=current.id, reviewer_id=v.reviewer_id, criterion_id=v.criterion_id, value=v.value,
                      rationale=v.rationale, on_behalf_of_id=v.on_behalf_of_id, carried_over=True, reopen=False)
              for v in previous.verdicts
              if v.criterion_id in applicable and applicable[v.criterion_id] not in stage.reopen_codes]
    if not copied:
        return 0
    current.verdicts.extend(copied)
    db.session.flush()
    record_event(actor, "verdicts.carried_over", "stage_review", stage.id,
                 after={"from_round": previous.number, "to_round": current.number,
                        "reopened": list(stage.reopen_codes),
                        "verdicts": sorted([applicable[v.criterion_id], v.reviewer_id] for v in copied)})
    log.info("stage %s round %s: %s verdicts carried over", stage.id, current.number, len(copied))
    return len(copied)


def current_diff(stage) -> RoundDiff | None:
    """The diff of the current round against the one before it, with questionnaire wording."""
    if len(stage.rounds) < 2:
        return None

    qn, language = questionnaire(), current_language()
    ids = {q.id for q in qn.questions}
    tiers = tier_labels(language)
    facts = ruleset(language=language)  # a sector's name, Yes or No, "Not given" in the reader's language

    def label(key: str) -> str:
        if key in FIELD_LABELS:
            return str(FIELD_LABELS[key])
        return qn.label(key, language) if key in ids else key

    def show(key: str, value) -> str:
        if value is None:
            return "—"
        if key == "tier":
            return tiers.get(value, str(value))
        if key in FACT_FIELDS:
            return fact_value_label(key, value, facts)
        return qn.answer_label(key, value, language) if key in ids else show_value(value)

    before, after = stage.rounds[-2], stage.rounds[-1]
    return diff_snapshots(before.snapshot, after.snapshot, before_round=before.number, after_round=after.number,
                          note=after.note or "", label=label, show=show)
