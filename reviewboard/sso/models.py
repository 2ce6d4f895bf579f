"""Who a person is at the identity provider, and the signatures waiting for a fresh login there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow


class SsoIdentity(Base):
    """The provider's subject for a ReviewBoard account: found by e-mail the first time, by (issuer, subject)
    afterwards, so that an address reassigned at the provider cannot take over the account."""

    __tablename__ = "sso_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("issuer", "subject"),)


class SigningIntent(Base):
    """A decision an SSO user asked to sign, kept while they log in again at the provider: what they chose
    (outcome, comment, conditions; their verdicts are saved before they leave), for which stage round, since
    when, and until when it may be completed. Used once."""

    __tablename__ = "signing_intent"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    round_number: Mapped[int]
    decision: Mapped[dict] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
