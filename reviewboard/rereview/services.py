"""Re-review: reopening approved stages after a material change, when a recurring review comes due,
or when evidence an approval relied on expires. Services flush; the caller commits.

Stages reopen through :func:`reviewboard.reviews.lifecycle.reopen_stage`; stages in review, locked or
rejected are never touched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import RulesFileError
from reviewboard.core.language import current_language
from reviewboard.extensions import db
from reviewboard.i18n import local_date
from reviewboard.projects.models import Evidence, Project
from reviewboard.rereview.rules import load_rules
from reviewboard.reviews.lifecycle import reopen_stage
from reviewboard.reviews.models import StageReview
from reviewboard.reviews.workflow import PASSED_STATES, Outcome, StageState

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
    rules = load_rules()
    affected = rules.affected(changed_fields)
    reopened = []
    for stage in project.stages:
        if stage.code not in affected:
            continue
        found = affected[stage.code]
        # the version and the rules' positions say the reasons again in a reader's language (reopen_reason)
        if reopen_stage(actor, stage, trigger="material_change", reason=" ".join(found.reasons), codes=found.codes,
                        details={"fields": found.fields, "rules_version": rules.version, "rules": found.rules}):
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


def reopen_reason(stage: StageReview) -> str | None:
    """Why a stage that was reopened for re-review (a draft with rounds) came back, in the reader's language, from
    its last ``stage.reopened`` event: a material change's reasons from the rules version the event names, the
    periodic review's date, the expired evidence, the serious incident; any other cause as the event keeps it. None
    for a stage that is not reopened."""
    if stage.state != StageState.DRAFT or not stage.rounds:
        return None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "stage.reopened", AuditEvent.object_type == "stage_review",
        AuditEvent.object_id == str(stage.id)).order_by(AuditEvent.seq.desc()).limit(1))
    if event is None:
        return None
    payload = json.loads(event.payload)
    after, kept = payload.get("after") or {}, payload.get("reason") or ""
    trigger = after.get("trigger")
    if trigger == "material_change" and "rules" in after:
        try:
            rules = load_rules(after.get("rules_version"), current_language())
            return " ".join(rules.material_changes[i].reason for i in after["rules"])
        except (RulesFileError, IndexError):
            return kept
    if trigger == "recurrence" and after.get("next_review_on"):
        return _("The periodic review due on %(on)s has come.",
                 on=local_date(date.fromisoformat(after["next_review_on"])))
    if trigger == "evidence_expired" and after.get("evidence"):
        files = [_("%(file)s (expired %(on)s)", file=e.filename, on=local_date(e.expires_on))
                 for e in db.session.scalars(select(Evidence).where(Evidence.id.in_(after["evidence"]))
                                             .order_by(Evidence.id))]
        return _("Evidence expired: %(files)s.", files=", ".join(files))
    if trigger == "incident" and after.get("incident_id"):
        from reviewboard.incidents.models import Incident  # incidents build on re-review (they reopen stages)

        incident = db.session.get(Incident, after["incident_id"])
        if incident is not None:
            return _("Serious incident %(id)s reported: %(title)s", id=incident.id, title=incident.title)
    return kept
