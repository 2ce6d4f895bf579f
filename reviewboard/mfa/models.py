"""A person's authenticator (one TOTP secret, kept encrypted) and their recovery codes (SHA-256 only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reviewboard.models.base import Base, utcnow


class TotpCredential(Base):
    """Pending while ``confirmed_at`` is None (shown as a QR code, not yet proven by a first code); in force after.

    ``last_step`` is the RFC 6238 time step of the last code accepted: a code is accepted only for a later step,
    so the same code (or an earlier one) cannot be replayed within its 30 seconds (RFC 6238 section 5.2)."""

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    secret_sealed: Mapped[str] = mapped_column(String(255))  # AES-GCM, see mfa/sealing.py
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(Base):
    """One single-use recovery code: 120 random bits, so a plain SHA-256 is an approved way to keep it (ASVS 5.0
    6.5.2: a lookup secret of 112 bits or more needs no password hash)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
