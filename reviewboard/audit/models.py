"""The audit event: an append-only, hash-chained row per state change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewboard.models.base import Base

# the prev_hash of the first event
GENESIS_HASH = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"

    # gap-free sequence assigned inside the writing transaction (not an autoincrement)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    # The canonical JSON text that is hashed; the typed columns above are indexed copies of it.
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of entry_hash with a key kept outside the database (instance/keys/audit-mac.key):
    # someone with database access alone cannot recompute the chain after a rewrite.
    entry_mac: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),
                      Index("ix_audit_event_action_created_at", "action", "created_at"))  # security alerts


class AuditCheckpoint(Base):
    """A signed statement "the trail had this head at this time": an anchor a rewrite cannot forge."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)  # the exact signed bytes (UTF-8)
    signature: Mapped[str] = mapped_column(Text)  # base64 RSA PKCS#1 v1.5 SHA-256 over ``statement``
    signer_cert_pem: Mapped[str] = mapped_column(Text)
    # base64 DER RFC 3161 token over ``signature`` from the configured TSA (None without one, or when it failed)
    timestamp_token: Mapped[str | None] = mapped_column(Text)

    # the newest checkpoint is read by every audited write (is the trail's tail stale?)
    __table_args__ = (Index("ix_audit_checkpoint_seq_id", "seq", "id"),)
