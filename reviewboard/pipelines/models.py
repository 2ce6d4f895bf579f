"""Pipelines: ordered review stages, each with its criteria source, quorum and applicable tiers."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base


class Pipeline(Base):
    __tablename__ = "pipeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("catalog.id"))

    stages: Mapped[list[PipelineStage]] = relationship(back_populates="pipeline", order_by="PipelineStage.position",
                                                       lazy="selectin")

    __table_args__ = (UniqueConstraint("key", "version"),)


class PipelineStage(Base):
    __tablename__ = "pipeline_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(8))  # catalog stage code: DES, DEV, TST, DEP, OPS
    name: Mapped[str] = mapped_column(String(80))
    quorum: Mapped[int] = mapped_column(default=2)
    tiers: Mapped[list] = mapped_column(JSON, default=lambda: ["low", "medium", "high"])

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages")

    __table_args__ = (
        UniqueConstraint("pipeline_id", "position"),
        CheckConstraint("quorum >= 1", name="quorum_positive"),
    )
