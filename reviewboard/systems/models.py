"""System versions and their artifacts. A version is never edited: a change is a new version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow

ARTIFACT_KINDS = ("model", "image", "dataset", "other")
ARTIFACT_KIND_LABELS = {"model": "Model file", "image": "Container image", "dataset": "Dataset", "other": "Other"}


class SystemVersion(Base):
    """One released version of a project's AI system: a label unique in the project, release notes and
    the artifacts it is made of. ``material_change``: its artifacts differ from the previous version's."""

    __tablename__ = "system_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    label: Mapped[str] = mapped_column(String(80))
    release_notes: Mapped[str] = mapped_column(Text, default="")
    material_change: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))

    created_by: Mapped[User] = relationship()
    artifacts: Mapped[list[Artifact]] = relationship(back_populates="version", order_by="Artifact.id",
                                                     lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("project_id", "label"),
                      Index("ix_system_version_project_id_created_at", "project_id", "created_at"))

    @property
    def digests(self) -> list[str]:
        return [a.digest for a in self.artifacts]

    def artifact_set(self) -> frozenset[tuple[str, str, str]]:
        return frozenset((a.kind, a.name, a.digest) for a in self.artifacts)


class Artifact(Base):
    """A file a version is made of (model weights, a container image, a dataset), named by its digest
    ``sha256:<64 lowercase hex>`` (an OCI digest has the same form)."""

    __tablename__ = "system_artifact"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("system_version.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    digest: Mapped[str] = mapped_column(String(71))

    version: Mapped[SystemVersion] = relationship(back_populates="artifacts")

    __table_args__ = (UniqueConstraint("version_id", "kind", "name"),
                      CheckConstraint("kind in ('model', 'image', 'dataset', 'other')", name="known_kind"),
                      CheckConstraint("length(digest) = 71", name="digest_length"),
                      Index("ix_system_artifact_digest", "digest"))

    @property
    def kind_label(self) -> str:
        return ARTIFACT_KIND_LABELS.get(self.kind, self.kind)
