"""Re-review: reopening approved stages after a material change, when a recurring review comes due,
or when evidence an approval relied on expires. Services flush; the caller commits.

Stages reopen through :func:`reviewboard.reviews.lifecycle.reopen_stage`; stages in review, locked or
rejected are never touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from reviewboard.extensions import db
from reviewboard.projects.models import Evidence, Project
from reviewboard.projects.permissions import visible_projects_query
from reviewboard.rereview.rules import load_rules
from reviewboard.reviews.lifecycle import reopen_stage
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.workflow import PASSED_STATES, Outcome

log = logging.getLogger("reviewboard.rereview")

APPROVING = (Outcome.APPROVE, Outcome.APPROVE_WITH_CONDITIONS)


@dataclass
class SweepResult:
    recurring: list[StageReview] = field(default_factory=list)
    expired_evidence: list[StageReview] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recurring) + len(self.expired_evidence)


def after_project_change(actor, project: Project, changed_fields) -> list[StageReview]:
    """Reopen the passed stages the rules tie to ``changed_fields``; returns the stages reopened."""
    affected = load_rules().affected(changed_fields)
    reopened = []
    for stage in project.stages:
        if stage.code not in affected:
            continue
        codes, reasons, fields = affected[stage.code]
        if reopen_stage(actor, stage, trigger="material_change", reason=" ".join(reasons), codes=codes,
                        details={"fields": fields}):
            reopened.append(stage)
    return reopened


def last_approved_round(stage: StageReview):
    return next((r for r in reversed(stage.rounds) if r.outcome in APPROVING), None)


def expired_evidence(stage: StageReview, today: date) -> list[Evidence]:
    """Evidence of the last approved round (not withdrawn) whose expiry date has come."""
    round_ = last_approved_round(stage)
    if round_ is None:
        return []
    relied_on = {e["id"] for e in (round_.snapshot or {}).get("evidence", [])}
    return [e for e in stage.evidence
            if e.id in relied_on and not e.withdrawn and e.expires_on is not None and e.expires_on <= today]


def sweep(today: date, actor=None) -> SweepResult:
    """Reopen recurring stages whose next review date has come, and criteria whose evidence expired."""
    result = SweepResult()
    retired = select(Project.id).where(Project.retired_at.is_not(None))  # closed systems recur no more
    due = db.session.scalars(select(StageReview).where(StageReview.state.in_(PASSED_STATES),
                                                       StageReview.next_review_on <= today,
                                                       StageReview.project_id.not_in(retired))
                             .order_by(StageReview.id)).all()
    for stage in due:
        when = stage.next_review_on.isoformat()
        if reopen_stage(actor, stage, trigger="recurrence", reason=f"The periodic review due on {when} has come.",
                        details={"next_review_on": when}):
            result.recurring.append(stage)
    expired_ids = select(Evidence.stage_review_id).where(Evidence.expires_on <= today, Evidence.withdrawn.is_(False))
    with_expired = db.session.scalars(select(StageReview).where(StageReview.state.in_(PASSED_STATES),
                                                                StageReview.id.in_(expired_ids),
                                                                StageReview.project_id.not_in(retired))
                                      .order_by(StageReview.id)).all()
    for stage in with_expired:
        expired = expired_evidence(stage, today)
        if not expired:
            continue
        codes = sorted({e.criterion.code for e in expired})
        files = ", ".join(f"{e.filename} (expired {e.expires_on.isoformat()})" for e in expired)
        if reopen_stage(actor, stage, trigger="evidence_expired", reason=f"Evidence expired: {files}.",
                        codes=codes, details={"evidence": [e.id for e in expired]}):
            result.expired_evidence.append(stage)
    return result


def reviews_due(user, limit: int = 10) -> list[StageReview]:
    """Recurring stages with a next review date among the projects the user may see, soonest (or
    overdue) first: the dashboard's "Periodic reviews" card."""

    visible = visible_projects_query(user).with_only_columns(Project.id).order_by(None)
    return list(db.session.scalars(select(StageReview).where(StageReview.project_id.in_(visible),
                                                            StageReview.next_review_on.is_not(None))
                                   .order_by(StageReview.next_review_on, StageReview.id).limit(limit)))
