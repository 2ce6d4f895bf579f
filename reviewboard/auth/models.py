"""People and their roles. Users are never deleted, only deactivated (21 CFR 11.100)."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base, utcnow


class Role(StrEnum):
    SUBMITTER = "submitter"
    REVIEWER = "reviewer"
    CHAIR = "chair"
    AUDITOR = "auditor"

    @property
    def title(self) -> str:
        return {"submitter": "Submitter", "reviewer": "Ethics reviewer", "chair": "Committee chair",
                "auditor": "Auditor"}[self.value]




def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    # stored lower-cased: e-mail addresses are case-insensitively unique and never reassigned
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Rotated on logout, password change and deactivation: every cookie issued before is refused.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]  # the dashboard's "since your last visit" starts at the one before
    # reviewer expertise (reviewboard.pipelines.models.EXPERTISE), matched against a stage's required roles
    expertise: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # preferences the person sets (reviewboard/accounts): the interface language (a BCP 47 code of
    # reviewboard/i18n/languages.py's LANGUAGES), the time zone pages show times in (an IANA name such as
    # "Asia/Shanghai"; None: the organisation's DISPLAY_TIMEZONE) and whether the daily digest is mailed to them.
    # A new account has chosen no language (""): pages follow the browser's, e-mails the organisation's default.
    # Accounts made before kept "en" (the column's server default), which is then their setting.
    language: Mapped[str] = mapped_column(String(10), default="", server_default="en")
    time_zone: Mapped[str | None] = mapped_column(String(64))
    digest_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())

    # read when asked for: most people a page loads (authors, signers, assignees, owners) show a name only. The
    # signed-in person's come with them (auth/session.py); a list that checks each person's roles loads them with
    # the list (selectinload(User.role_rows)), not one statement per person
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def roles(self) -> set[Role]:
        noted = self.__dict__.get("_noted_roles")
        if noted is not None:
            return set(noted)
        return {Role(r.role) for r in self.role_rows}

    def note_roles(self, roles) -> None:
        """The roles read with the person (the session's user loader): ``roles`` answers from them, without loading
        the role rows, until those change (:func:`_forget_noted_roles`)."""
        self.__dict__["_noted_roles"] = frozenset(roles)

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles

    @property
    def primary_role_title(self) -> str:
        for role in (Role.CHAIR, Role.REVIEWER, Role.AUDITOR, Role.SUBMITTER):
            if role in self.roles:
                return role.title
        return "No role"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


@event.listens_for(User.role_rows, "append")
@event.listens_for(User.role_rows, "remove")
@event.listens_for(User.role_rows, "bulk_replace")
def _forget_noted_roles(target: User, *_args, **_kwargs) -> None:
    target.__dict__.pop("_noted_roles", None)


class UserRole(Base):
    __tablename__ = "user_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(20))
    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role in ('submitter', 'reviewer', 'chair', 'auditor')", name="known_role"),
        # the people who hold a role (the reviewers a chair assigns on the stage page, the delegates): read from the
        # role's rows, not by scanning every role row (50,000 submitters' at 1,000,000 projects)
        Index("ix_user_role_role_user_id", "role", "user_id"),
    )
