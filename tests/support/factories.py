"""Factory helpers that build data through the real services (so audit events exist as in production)."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from reviewboard.auth.services import create_user
from reviewboard.pipelines.models import Pipeline
from reviewboard.projects import services as projects
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome, VerdictValue

PASSWORD = "correct horse battery"  # noqa: S105
_seq = itertools.count(1)

NO = {q: "no" for q in ("affects_rights", "safety_critical", "public_content", "manipulation", "social_scoring",
                        "remote_biometric_public")}


def project_fields(**overrides) -> dict:
    fields = {
        "name": f"Project {next(_seq)}", "purpose": "Suggests triage levels.", "intended_users": "Nurses.",
        "scenario": "Emergency department.", "system_type": "decision_support", "data_categories": ["anonymous"],
        "deployment_context": "internal", "autonomy_level": "advisory", "scale": "pilot",
    }
    fields.update(overrides)
    return fields


class Factory:
    def __init__(self, session):
        self.session = session

    def user(self, *roles: str, name: str | None = None, email: str | None = None, password: str = PASSWORD):
        n = next(_seq)
        return create_user(None, email or f"user{n}@example.test", name or f"Person {n}", password,
                           set(roles or ("submitter",)))

    def pipeline(self) -> Pipeline:
        return self.session.scalar(select(Pipeline).order_by(Pipeline.id).limit(1))

    def project(self, owner=None, answers: dict | None = None, pipeline: Pipeline | None = None, **fields):
        owner = owner or self.user("submitter")
        return projects.create_project(owner, pipeline or self.pipeline(), project_fields(**fields),
                                       {**NO, **(answers or {})})

    def evidence(self, stage, actor=None, filename="brief.md", data=b"# Evidence\n"):
        actor = actor or stage.project.owner
        criterion = stage.applicable_criteria()[0]
        return projects.add_evidence(actor, stage, criterion.id, filename, data)

    def submitted_stage(self, owner=None, **fields):
        project = self.project(owner, **fields)
        stage = project.stages[0]
        self.evidence(stage)
        lifecycle.submit_stage(project.owner, stage, "", stage.version)
        return stage

    def one_signature_short(self):
        """A submitted stage with two reviewers: the first has signed an approval, the second has recorded
        verdicts but not signed, so the second's signature decides. Returns (stage, second reviewer)."""
        first, second = self.reviewers()
        stage = self.submitted_stage()
        self.sign(first, stage)
        self.verdicts(second, stage)
        return stage, second

    def verdicts(self, reviewer, stage, value=VerdictValue.MEETS, rationale=""):
        from reviewboard.reviews import permissions as perms

        if perms.must_declare(reviewer, stage):  # as on the stage page: no conflict, before anything
            self.declare(reviewer, stage)
        entries = [reviews.VerdictEntry(c.id, value, rationale) for c in stage.applicable_criteria()]
        reviews.save_verdicts(reviewer, stage, entries)

    def sign(self, reviewer, stage, outcome=Outcome.APPROVE, conditions=None, password=PASSWORD):
        self.verdicts(reviewer, stage)
        return reviews.sign_decision(reviewer, stage, outcome, password, conditions or [])

    def reviewers(self, count=2):
        return [self.user("reviewer") for _ in range(count)]

    def declare(self, reviewer, stage, nature: str = ""):
        """The reviewer's conflict-of-interest declaration for the current round: a conflict when ``nature``."""
        from reviewboard.committee import services as committee

        return committee.declare(reviewer, stage, bool(nature), nature)

    def delegation(self, delegator, delegate, days: int = 7, starts_in: int = 0, reason: str = "Leave"):
        from datetime import timedelta

        from reviewboard.committee import services as committee
        from reviewboard.models.base import utcnow

        start = utcnow().date() + timedelta(days=starts_in)
        return committee.create_delegation(delegator, delegate, start, start + timedelta(days=days), reason)
