"""Stage reviews, their submission rounds, reviewers' verdicts, sign-offs and conditions.

Advice is separate from decision: verdicts and sign-offs are rows per reviewer; only
:mod:`reviewboard.reviews.workflow` moves ``StageReview.state``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Mapped, defer, joinedload, mapped_column, relationship, selectinload
from sqlalchemy.schema import Index

from reviewboard.auth.models import User
from reviewboard.catalogs.models import Catalog, Criterion
from reviewboard.core import transaction
from reviewboard.extensions import db
from reviewboard.models.base import Base, utcnow
from reviewboard.pipelines.models import PipelineStage
from reviewboard.projects.models import Evidence, Project
from reviewboard.projects.tiering import review_tier
from reviewboard.reviews.workflow import Outcome, StageState, VerdictValue

if TYPE_CHECKING:
    from reviewboard.records.models import Record


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
    # criterion codes reopened for the next (or current) round; None = all. Set when changes are requested
    # (reviewboard.reviews.resubmission) or a passed stage is reopened; verdicts on the others carry over.
    reopen_codes: Mapped[list | None] = mapped_column(JSON)
    # recurring stages (e.g. Operation): set on approval from the tier's interval; the sweep reopens it then
    next_review_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime | None]  # the decision is due by then: (re)submission + the stage's due_days
    # the current round's submission time, copied when it is submitted (lifecycle.submit_stage): the queue's
    # order, read from ix_stage_review_queue instead of joining and sorting every undecided round
    submitted_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship(back_populates="stages")
    pipeline_stage: Mapped[PipelineStage] = relationship(lazy="joined")
    catalog: Mapped[Catalog] = relationship()
    rounds: Mapped[list[SubmissionRound]] = relationship(back_populates="stage_review",
                                                         order_by="SubmissionRound.number")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="stage_review", order_by="Evidence.id")
    assignments: Mapped[list[ReviewAssignment]] = relationship(back_populates="stage_review")
    conditions: Mapped[list[Condition]] = relationship(back_populates="stage_review", order_by="Condition.id")
    # its signed records, oldest version first (records are issued by records/services, never through this)
    records: Mapped[list[Record]] = relationship(order_by="Record.version", viewonly=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("project_id", "position"),
        # the queue starts from the stages in review; the periodic reviews card from the next review dates
        Index("ix_stage_review_queue", "state", "submitted_at", "id"),
        Index("ix_stage_review_next_review_on", "next_review_on"),
        # the metrics reach a round's stage and project from the index alone (no read of the wide rows)
        Index("ix_stage_review_id_stage_project", "id", "pipeline_stage_id", "project_id"),
        # the metrics' queue age, decisions due and workload: the stages in review only (a few in a hundred), with
        # every column those read, so the queue now is read from this small index alone
        Index("ix_stage_review_in_review", "due_at", "submitted_at", "pipeline_stage_id", "project_id", "id",
              postgresql_where=text("state = 'in_review'"), sqlite_where=text("state = 'in_review'")),
        CheckConstraint(
            "(state IN ('approved', 'approved_with_conditions', 'rejected')) = (decided_at IS NOT NULL)",
            name="decided_has_time",
        ),
    )

    @property
    def name(self) -> str:
        return self.pipeline_stage.name

    @property
    def translations(self) -> dict:
        """Its pipeline stage's names in the other languages, so ``stage|tr("name")`` reads like a pipeline stage's
        (core/language.py). Loaded with the stage's name: no statement of its own."""
        return self.pipeline_stage.translations

    @property
    def code(self) -> str:
        return self.pipeline_stage.code

    @property
    def passed(self) -> bool:
        return self.state in (StageState.APPROVED, StageState.APPROVED_WITH_CONDITIONS)

    @property
    def current_round(self) -> SubmissionRound | None:
        return self.rounds[-1] if self.rounds else None

    def applicable_criteria(self, project_tier: str | None = None) -> list[Criterion]:
        """The pinned catalog's criteria for this project's tier (or ``project_tier``, e.g. the tier a round was
        submitted with): by the pipeline stage's criteria rule when it has one (chosen criteria, each with the
        tiers it applies to), else the catalog's own."""
        return self.select_applicable(self.catalog.criteria, project_tier)

    def select_applicable(self, criteria, project_tier: str | None = None) -> list:
        """Of ``criteria`` (the pinned catalog's, as rows or as the copies pages show), those
        :meth:`applicable_criteria` names, in their order."""
        tier = review_tier(project_tier or self.project.tier)
        rule = self.pipeline_stage.criteria
        if rule is None:
            return [c for c in criteria if c.stage_code == self.code and c.applies_to(tier)]
        tiers_by_code = {r["code"]: r["tiers"] for r in rule}
        return [c for c in criteria if not c.deprecated and tier in tiers_by_code.get(c.code, ())]

    @property
    def assigned_reviewer_ids(self) -> set[int]:
        return {a.reviewer_id for a in self.assignments}


def stage_summary(loader):
    """``loader`` (an option reaching StageReview rows, e.g. ``selectinload(Project.stages)``) narrowed to what a
    list shows of a stage: its own columns and its pipeline stage's name and code. psycopg decodes every JSON column
    fetched, on every row, even for a pipeline stage already in the session, and a list reads none of them (the
    criteria rules, tiers, reviewer roles, recurrence, reopened codes). A page that reads one gets it lazily.
    Built per call: loader options built at import would configure the mappers before every model exists."""
    return loader.options(defer(StageReview.reopen_codes), pipeline_stage_label(joinedload(StageReview.pipeline_stage)))


def pipeline_stage_label(loader):
    """``loader`` (reaching PipelineStage rows) narrowed to the pipeline stage's scalar columns: what a list shows
    (name, code, position), none of its JSON rules."""
    return loader.load_only(PipelineStage.id, PipelineStage.pipeline_id, PipelineStage.position, PipelineStage.code,
                            PipelineStage.name, PipelineStage.translations, PipelineStage.quorum,
                            PipelineStage.reviewers, PipelineStage.due_days, PipelineStage.retired)


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

    # the queue: the undecided rounds (those of the stages in review), oldest submission first; the metrics: the
    # period's decided rounds with every column they read, from the index alone (the rows carry the snapshot)
    __table_args__ = (UniqueConstraint("stage_review_id", "number"),
                      Index("ix_submission_round_queue", "decided_at", "submitted_at", "stage_review_id"),
                      Index("ix_submission_round_decided", "decided_at", "stage_review_id", "submitted_at", "outcome",
                            "number"))


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    stage_review: Mapped[StageReview] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    __table_args__ = (UniqueConstraint("stage_review_id", "reviewer_id"),
                      Index("ix_review_assignment_reviewer_id", "reviewer_id"))


class Verdict(Base):
    __tablename__ = "verdict"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("submission_round.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    value: Mapped[VerdictValue] = mapped_column(_enum(VerdictValue, "verdict_value"))
    rationale: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the reviewer asks for this criterion to be re-examined when they request changes
    reopen: Mapped[bool] = mapped_column(default=False, server_default=false())
    # copied from the previous round because the criterion was not reopened (editable like any verdict)
    carried_over: Mapped[bool] = mapped_column(default=False, server_default=false())
    # set when a delegate records the verdict for an away reviewer (reviewboard.committee)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    round: Mapped[SubmissionRound] = relationship(back_populates="verdicts")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])
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
    role_title: Mapped[str] = mapped_column(String(300))  # the role acted in: "Legal reviewer", "Delegate of X"
    meaning: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SHA-256 of the canonical content the reviewer signed (snapshot, their verdicts, outcome, meaning)
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_content: Mapped[str] = mapped_column(Text)
    # set when a delegate signs for an away reviewer: "by reviewer on behalf of on_behalf_of"
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # how the signer proved who they were: "password", or "oidc <issuer>" (a fresh login at the provider)
    authenticated_by: Mapped[str] = mapped_column(String(320), default="password", server_default="password")

    round: Mapped[SubmissionRound] = relationship(back_populates="signoffs")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id])

    # the queue ("waiting for me", "signed by me") and the conditions a reviewer follows read one reviewer's rows
    # the metrics' workload: the period's sign-offs by reviewer
    __table_args__ = (UniqueConstraint("round_id", "reviewer_id"), Index("ix_signoff_reviewer_id", "reviewer_id"),
                      Index("ix_signoff_signed_at", "signed_at", "reviewer_id"))


class Condition(Base):
    """A condition of an approval: open -> fulfilled (the owner answers, with evidence) -> closed (a reviewer
    accepts); a reviewer may reopen it. Open or fulfilled conditions past due block the next stage."""

    __tablename__ = "condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    signoff_id: Mapped[int] = mapped_column(ForeignKey("signoff.id"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="open")
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    response: Mapped[str | None] = mapped_column(Text)  # the owner's note when fulfilling
    responded_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    # when the reminders' sweep recorded that it became overdue (condition.overdue): once per condition
    overdue_noted_at: Mapped[datetime | None]

    stage_review: Mapped[StageReview] = relationship(back_populates="conditions")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    signoff: Mapped[SignOff] = relationship()
    evidence: Mapped[Evidence | None] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('open', 'fulfilled', 'closed')", name="known_status"),
        # the conditions list and dashboard card: open ones by due date; an owner's own
        Index("ix_condition_status_due_date", "status", "due_date"),
        Index("ix_condition_due_date_id", "due_date", "id"),  # every open one by due date (chairs, auditors)
        Index("ix_condition_owner_id", "owner_id"),
        Index("ix_condition_stage_review_id", "stage_review_id"),
        CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
    )

    @property
    def is_closed(self) -> bool:
        return self.status == "closed"

    def overdue_on(self, today: date) -> bool:
        return self.status != "closed" and self.due_date < today


@cache
def _changing() -> list[str]:
    """What a stage's row lock protects: its columns and collections (rounds, assignments, evidence, ...)."""
    mapper = inspect(StageReview)
    return [a.key for a in mapper.column_attrs] + [r.key for r in mapper.relationships if r.uselist]


def lock_stage(stage: StageReview) -> StageReview:
    """Take the stage row lock (PostgreSQL FOR UPDATE; SQLite already holds the write lock) and reload what a
    decision reads: the stage row, its rounds with their verdicts and sign-offs, its assignments (one statement
    each). Its other collections load again when next read.

    Every decision path locks first, so two reviewers completing a quorum at once decide exactly once. Within
    one transaction the second lock of the same stage returns it as it is: nobody else can have changed it.
    """
    session = db.session
    # this session's (two sessions sharing the transaction, as in the test suite, each read the stage themselves)
    locked = transaction.facts(session).setdefault(("locked_stages", id(session)), set())
    if stage.id in locked and stage in session:
        return stage
    stage_id = stage.id
    if stage in session:  # what another transaction may have changed before the lock: read again below (the
        # rows already loaded are filled in from the statements below, none is read on its own)
        for round_ in stage.__dict__.get("rounds", ()):
            for row in (*round_.__dict__.get("verdicts", ()), *round_.__dict__.get("signoffs", ())):
                session.expire(row)
            session.expire(round_)
        for row in stage.__dict__.get("assignments", ()):
            session.expire(row)
        session.expire(stage, _changing())  # not its project, pipeline stage and catalog: they stay loaded
    stage = session.scalars(
        select(StageReview).where(StageReview.id == stage_id).with_for_update(of=StageReview)
        .options(selectinload(StageReview.rounds).selectinload(SubmissionRound.verdicts),
                 selectinload(StageReview.rounds).selectinload(SubmissionRound.signoffs),
                 selectinload(StageReview.assignments))).one()
    locked.add(stage.id)
    return stage
