"""Issued system certificates and the signed status lists that say whether each is still good.

A certificate's envelope and PDF are stored once, as signed, and never regenerated; only its status moves
(reviewboard.certificates.status is the one module that assigns it).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow
from reviewboard.projects.models import Project
from reviewboard.records.models import Record

VALID, SUSPENDED, REVOKED, EXPIRED = "valid", "suspended", "revoked", "expired"
STATUSES = (VALID, SUSPENDED, REVOKED, EXPIRED)
FINAL_STATUSES = (REVOKED, EXPIRED)  # a certificate never comes back from these: a new one is issued instead


class Certificate(Base):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. RBC-000012-41
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("system_version.id"))
    # the Deployment record it was issued from: one certificate per record, whoever runs the job, however often
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[date]
    # the artifacts it certifies: [{"name": ..., "digest": {"sha256": ...}}], as in the signed statement
    subjects: Mapped[list] = mapped_column(JSON)
    envelope: Mapped[str] = deferred(mapped_column(Text, nullable=False))  # the DSSE envelope, JSON, exactly as signed
    statement_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=VALID)
    status_reasons: Mapped[list] = mapped_column(JSON, default=list)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a chair's revocation: who and why (the other revocations name their cause in status_reasons)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    # a renewal: the certificate this one replaces (which is then revoked as superseded); at most one successor
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)

    project: Mapped[Project] = relationship()
    record: Mapped[Record] = relationship()
    revoked_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("status in ('valid', 'suspended', 'revoked', 'expired')", name="known_status"),
        # a chair's revocation always has its reason
        CheckConstraint("revoked_by_id IS NULL OR revoked_reason IS NOT NULL", name="revocation_has_reason"),
        Index("ix_certificate_project_id", "project_id"),
        Index("ix_certificate_status", "status"),
    )

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def filename(self) -> str:
        return f"{self.public_id}.pdf"

    @property
    def envelope_filename(self) -> str:
        return f"{self.public_id}.intoto.json"


class StatusList(Base):
    """One signed issue of the status list: every certificate's status at ``issued_at``. Serials only grow
    (UNIQUE: two workers building at once cannot both publish the same serial)."""

    __tablename__ = "certificate_status_list"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    envelope: Mapped[str] = deferred(mapped_column(Text, nullable=False))
    # what the list says, to tell whether a rebuild would change anything
    entries_sha256: Mapped[str] = mapped_column(String(64))
