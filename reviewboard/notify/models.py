"""Notices already sent, one row per person and notice key, so a digest never repeats an item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reviewboard.models.base import Base, utcnow


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # stable identity of what the person was told, e.g. "review-waiting:stage:42" (no round number)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(8))

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("channel in ('smtp', 'log')", name="known_channel"),
    )
