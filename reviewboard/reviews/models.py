"""Stage reviews, their submission rounds, reviewers' verdicts, sign-offs and conditions.

Advice is separate from decision: verdicts and sign-offs are rows per reviewer; only
:mod:`reviewboard.reviews.workflow` moves ``StageReview.state``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.models.base import Base, utcnow
from reviewboard.pipelines.models import PipelineStage
from reviewboard.projects.models import Evidence, Project
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue


def _enum(cls, name):
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


class StageReview(Base):
    __tablename__ = "stage_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    pipeline_stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stage.id"))
    position: Mapped[int]
    # pinned when the stage opens: a later catalog import never changes this review
    catalog_id: Mapped[int] = mapped_column(ForeignKey("catalog.id"))
    quorum: Mapped[int]
    state: Mapped[StageState] = mapped_column(_enum(StageState, "stage_state"), default=StageState.LOCKED)
    opened_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    round_number: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship(back_populates="stages")
    pipeline_stage: Mapped[PipelineStage] = relationship(lazy="joined")
    catalog: Mapped[Catalog] = relationship()
    rounds: Mapped[list[SubmissionRound]] = relationship(back_populates="stage_review",
                                                         order_by="SubmissionRound.number")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="stage_review", order_by="Evidence.id")
    assignments: Mapped[list[ReviewAssignment]] = relationship(back_populates="stage_review")
    conditions: Mapped[list[Condition]] = relationship(back_populates="stage_review", order_by="Condition.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("project_id", "position"),
        CheckConstraint(
            "(state IN ('approved', 'approved_with_conditions', 'rejected')) = (decided_at IS NOT NULL)",
            name="decided_has_time",
        ),
    )

    @property
    def name(self) -> str:
        return self.pipeline_stage.name

    @property
    def code(self) -> str:
        return self.pipeline_stage.code

    @property
    def passed(self) -> bool:
        return self.state in (StageState.APPROVED, StageState.APPROVED_WITH_CONDITIONS)

    @property
    def current_round(self) -> SubmissionRound | None:
        return self.rounds[-1] if self.rounds else None

    def applicable_criteria(self) -> list[Criterion]:
        tier = self.project.tier if self.project.tier != "prohibited" else "high"
        return [c for c in self.catalog.criteria if c.stage_code == self.code and c.applies_to(tier)]

    @property
    def assigned_reviewer_ids(self) -> set[int]:
        return {a.reviewer_id for a in self.assignments}


class SubmissionRound(Base):
    """One submission of a stage; a request for changes closes it and a resubmission opens the next."""

    __tablename__ = "submission_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    number: Mapped[int]
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(JSON)  # the project and evidence as submitted
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "round_outcome"))
    decided_at: Mapped[datetime | None]

    stage_review: Mapped[StageReview] = relationship(back_populates="rounds")
    submitted_by: Mapped[User] = relationship()
    verdicts: Mapped[list[Verdict]] = relationship(back_populates="round", order_by="Verdict.id")
    signoffs: Mapped[list[SignOff]] = relationship(back_populates="round", order_by="SignOff.signed_at")

    __table_args__ = (UniqueConstraint("stage_review_id", "number"),)


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    stage_review: Mapped[StageReview] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (UniqueConstraint("stage_review_id", "reviewer_id"),)


class Verdict(Base):
    __tablename__ = "verdict"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("submission_round.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    value: Mapped[VerdictValue] = mapped_column(_enum(VerdictValue, "verdict_value"))
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[SubmissionRound] = relationship(back_populates="verdicts")
    reviewer: Mapped[User] = relationship()
    criterion: Mapped[Criterion] = relationship()

    __table_args__ = (
        UniqueConstraint("round_id", "reviewer_id", "criterion_id"),
        CheckConstraint("value = 'meets' OR length(rationale) > 0", name="rationale_unless_meets"),
    )


class SignOff(Base):
    """A reviewer's electronic signature on their decision for one round (21 CFR 11.50/11.70)."""

    __tablename__ = "signoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("submission_round.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, "signoff_outcome"))
    comment: Mapped[str] = mapped_column(Text, default="")
    printed_name: Mapped[str] = mapped_column(String(200))
    role_title: Mapped[str] = mapped_column(String(80))
    meaning: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SHA-256 of the canonical content the reviewer signed (snapshot, their verdicts, outcome, meaning)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_content: Mapped[str] = mapped_column(Text)

    round: Mapped[SubmissionRound] = relationship(back_populates="signoffs")
    reviewer: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("round_id", "reviewer_id"),)


class Condition(Base):
    __tablename__ = "condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    signoff_id: Mapped[int] = mapped_column(ForeignKey("signoff.id"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="open")
    extra: Mapped[dict] = mapped_column(JSON, default=dict)

    stage_review: Mapped[StageReview] = relationship(back_populates="conditions")
    owner: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("status in ('open', 'closed')", name="known_status"),)
