"""Webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base, utcnow

PENDING, DELIVERED, RETRYING, FAILED = "pending", "delivered", "retrying", "failed"


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    # Standard Webhooks secret ("whsec_" + base64); the receiver needs it to check signatures, so it is kept
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)


class WebhookDelivery(Base):
    """One event sent to one subscription: its message id and body (fixed, so that a retry or a replay is
    the same message), and what the last attempt got back (each attempt is a WebhookAttempt row)."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_delivery.id"))

    subscription: Mapped[WebhookSubscription] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(back_populates="delivery",
                                                             order_by="WebhookAttempt.number")

    __table_args__ = (Index("ix_webhook_delivery_subscription_id_id", "subscription_id", "id"),)


class WebhookAttempt(Base):
    """One attempt to deliver: when, what came back (an HTTP status, or the error when none did) and how long
    it took. Rows are only added; a retry is the next number."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"))
    number: Mapped[int]
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None]  # unknown for the attempts made before each one was logged

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")

    # one row per attempt; its unique index also serves the log read by delivery
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)
