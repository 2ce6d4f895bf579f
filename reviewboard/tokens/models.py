"""A personal access token: only its SHA-256 is stored; the secret is shown once when it is created."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow


class Scope(StrEnum):
    """What a token may do. Each scope includes the ones before it: admin > submit > read."""

    READ = "read"  # GET requests
    SUBMIT = "submit"  # create and change projects, evidence, stage submissions, conditions (answer, close, reopen)
    ADMIN = "admin"  # chairs' settings: webhook subscriptions and their deliveries

    @property
    def rank(self) -> int:
        return list(Scope).index(self)


class AccessToken(Base):
    __tablename__ = "access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # the first characters of the secret, shown in lists so that a person can tell their tokens apart
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_address: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def allows(self, scope: Scope) -> bool:
        return any(Scope(s).rank >= scope.rank for s in self.scopes)

    def usable(self, now: datetime) -> bool:
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.user.active)

    @property
    def top_scope(self) -> str:
        return max((Scope(s) for s in self.scopes), key=lambda s: s.rank).value
