"""A system's place on the public register: whether a chair listed it, and the description the public reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base, utcnow
from reviewboard.projects.models import Project


class RegisterListing(Base):
    __tablename__ = "register_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), unique=True)
    # written for the public by the chair who lists it: the project's own purpose text may hold internal detail
    public_description: Mapped[str] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(default=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship()
