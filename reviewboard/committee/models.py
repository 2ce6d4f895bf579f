"""Conflict-of-interest declarations (one per reviewer, stage and round) and delegations between reviewers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow


class ConflictDeclaration(Base):
    """A reviewer's statement, before seeing a round's content, that they have no conflict or which one.

    A conflict recuses the reviewer from that round: they cannot record verdicts or sign, and their
    assignment no longer counts towards the number of reviewers the stage needs.
    """

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    round_number: Mapped[int]
    has_conflict: Mapped[bool]
    nature: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set when a reviewer who declared no conflict declares one later in the round (and is recused from then on)
    conflict_declared_at: Mapped[datetime | None]

    reviewer: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("stage_review_id", "reviewer_id", "round_number"),
        CheckConstraint("NOT has_conflict OR length(nature) > 0", name="conflict_has_nature"),
        Index("ix_conflict_declaration_reviewer_id", "reviewer_id"),  # the queue: this reviewer's recusals
        # the metrics' workload: the period's recusals (the conflicts only), by when the conflict was declared
        Index("ix_conflict_declaration_recused", text("coalesce(conflict_declared_at, declared_at)"), "reviewer_id",
              postgresql_where=text("has_conflict"), sqlite_where=text("has_conflict")),
    )


class Delegation(Base):
    """While a reviewer is away (``starts_on``..``ends_on`` inclusive), the delegate acts on their assignments."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id])
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])

    __table_args__ = (
        CheckConstraint("delegate_id <> delegator_id", name="not_self"),
        CheckConstraint("ends_on >= starts_on", name="period_order"),
    )

    def active_on(self, day: date) -> bool:
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on
