"""Catalog versions and their criteria, stored once per imported version and never edited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base, utcnow


class Catalog(Base):
    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64))
    # name and description in the languages other than English: {"zh-Hans": {"name": ..., "description": ...}}
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Loaded when read (one statement), not with every catalog: a pipeline joins its catalog on every page that
    # shows a stage, and most of those pages never read the criteria (about a hundred rows, each with JSON
    # texts to decode). Catalogs are few, so reading each one's criteria never multiplies into many statements.
    criteria: Mapped[list[Criterion]] = relationship(back_populates="catalog", order_by="Criterion.position")

    __table_args__ = (UniqueConstraint("key", "version"),)

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


class Criterion(Base):
    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("catalog.id"))
    code: Mapped[str] = mapped_column(String(20))
    stage_code: Mapped[str] = mapped_column(String(8))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text)
    evidence_types: Mapped[list] = mapped_column(JSON, default=list)
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    applicability: Mapped[str] = mapped_column(String(20))
    refs: Mapped[list] = mapped_column(JSON, default=list)
    deprecated: Mapped[bool] = mapped_column(default=False)
    # title, question, guidance and evidence types in the languages other than English (core/language.py)
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    catalog: Mapped[Catalog] = relationship(back_populates="criteria")

    __table_args__ = (UniqueConstraint("catalog_id", "code"),)

    def applies_to(self, tier: str) -> bool:
        return not self.deprecated and tier in self.tiers
