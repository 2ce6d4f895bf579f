"""Issued records: the exact signed PDF bytes, their hash and the inputs they were made from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from reviewboard.models.base import Base, utcnow


class Record(Base):
    __tablename__ = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40))  # e.g. RB-000012-TST
    version: Mapped[int] = mapped_column(default=1)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    # the submission round whose decision it records: one record per decided round, whoever issues it
    # (NULL only for records issued before rounds were recorded here)
    round_number: Mapped[int | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    template_version: Mapped[str] = mapped_column(String(40))
    content_sha256: Mapped[str] = mapped_column(String(64))
    record_json: Mapped[str] = deferred(mapped_column(Text))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pdf_size: Mapped[int]
    audit_head_seq: Mapped[int]
    audit_head_hash: Mapped[str] = mapped_column(String(64))
    signature_level: Mapped[str] = mapped_column(String(8), default="B-B")
    render_seconds: Mapped[float] = mapped_column(default=0.0)

    stage_review = relationship("StageReview")

    __table_args__ = (UniqueConstraint("stage_review_id", "version"), UniqueConstraint("public_id", "version"),
                      UniqueConstraint("stage_review_id", "round_number"),
                      Index("ix_record_issued_at_id", "issued_at", "id"))  # the newest records (dashboards)

    @property
    def filename(self) -> str:
        return self.file_name(self.public_id, self.version)

    @staticmethod
    def file_name(public_id: str, version: int) -> str:
        return f"{public_id}-v{version}.pdf"
