"""A comment on a stage review, on one of its criteria or on the stage as a whole, possibly a reply."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow


class Visibility(StrEnum):
    COMMITTEE = "committee"   # reviewers, chairs and auditors independent of the project
    SUBMITTER = "submitter"   # the committee and the project's members

    @property
    def label(self) -> str:
        return {"committee": "Committee only", "submitter": "Visible to the submitter"}[self.value]


class Comment(Base):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("criterion.id"))  # None: the stage as a whole
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16))
    round_number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    on_behalf_of: Mapped[User | None] = relationship(foreign_keys=[on_behalf_of_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("visibility IN ('committee', 'submitter')", name="visibility"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        Index("ix_comment_stage_review_id", "stage_review_id"),
    )

    @property
    def internal(self) -> bool:
        return self.visibility == Visibility.COMMITTEE
