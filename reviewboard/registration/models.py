"""Filings: the proof that a registration duty was discharged (authority, reference, date, evidence file)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow


class Filing(Base):
    """One filing made for one duty of a project (a later filing for the same duty adds a row: the newest
    is the current one). The evidence file is checked like stage evidence (projects/uploads.py)."""

    __tablename__ = "registration_filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    duty_code: Mapped[str] = mapped_column(String(60))
    authority: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))  # the authority's filing or registration number
    filed_on: Mapped[date]
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User] = relationship()
    project = relationship("Project")

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),
                      Index("ix_registration_filing_project_id_duty_code", "project_id", "duty_code"))
