"""Pipelines: ordered review stages, each with its criteria rule, quorum (N of M reviewers), required
reviewer roles, decision due time and (for an operation stage) a review schedule by tier.

A pipeline is versioned: every (key, version) row is one version. A chair edits a ``draft``; publishing
makes it the version new projects follow; a project pins the version it was registered under, so a
later change never alters a running review. Published versions are never edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reviewboard.models.base import Base, utcnow
from reviewboard.projects.tiering import REVIEW_TIERS, review_tier

if TYPE_CHECKING:
    from reviewboard.auth.models import User
    from reviewboard.catalogs.models import Catalog

TIERS = REVIEW_TIERS
# Expertise a required-role rule can ask for; the people side (User.expertise) uses the same words.
EXPERTISE = ("ethics", "technical", "legal", "privacy", "external", "domain")
# Conditions a required-role rule can depend on, read from the project's questionnaire answers.
RULE_CONDITIONS = {
    "personal_data": _l("the project uses personal data"),
    "sensitive_data": _l("the project uses sensitive, biometric or children's data"),
    "affects_rights": _l("the project informs decisions about people's rights"),
    "public_content": _l("the project publishes synthetic content"),
}
_PERSONAL = {"personal", "sensitive", "biometric", "minors"}
_SENSITIVE = {"sensitive", "biometric", "minors"}


def condition_holds(condition: str, project) -> bool:
    """Whether a required-role rule's ``when`` condition holds for ``project``."""
    categories = set(project.data_categories or ())
    answers = project.answers or {}
    if condition == "personal_data":
        return bool(categories & _PERSONAL)
    if condition == "sensitive_data":
        return bool(categories & _SENSITIVE)
    if condition in ("affects_rights", "public_content"):
        return answers.get(condition) == "yes"
    raise KeyError(condition)


def rule_applies(rule: dict, project) -> bool:
    """Whether a required-role rule ({"expertise", "tiers"?, "when"?}) applies to ``project``."""
    if rule.get("tiers") and review_tier(project.tier) not in rule["tiers"]:
        return False
    return not rule.get("when") or condition_holds(rule["when"], project)


class Pipeline(Base):
    __tablename__ = "pipeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("catalog.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    change_note: Mapped[str] = mapped_column(Text, default="")
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")  # {"zh-Hans": {"name": ...}}

    stages: Mapped[list[PipelineStage]] = relationship(back_populates="pipeline", order_by="PipelineStage.position",
                                                       lazy="selectin", cascade="all, delete-orphan")
    catalog: Mapped[Catalog] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("key", "version"),
        CheckConstraint("status in ('draft', 'published', 'retired')", name="known_status"),
    )

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def active_stages(self) -> list[PipelineStage]:
        """The stages a project registered under this version goes through (retired ones omitted)."""
        return [s for s in self.stages if not s.retired]


class PipelineStage(Base):
    __tablename__ = "pipeline_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(8))  # catalog stage code: DES, DEV, TST, DEP, OPS
    name: Mapped[str] = mapped_column(String(80))
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")  # {"zh-Hans": {"name": ...}}
    quorum: Mapped[int] = mapped_column(default=2)
    tiers: Mapped[list] = mapped_column(JSON, default=lambda: ["low", "medium", "high"])
    # None: every criterion of the catalog stage with this code, by the catalog's own tiers;
    # else [{"code": "RB-DES-01", "tiers": ["medium", "high"]}, ...] from the pinned catalog version
    criteria: Mapped[list | None] = mapped_column(JSON)
    reviewers: Mapped[int] = mapped_column(default=2)  # M reviewers assigned; quorum N of them decide
    required_roles: Mapped[list] = mapped_column(JSON, default=list)  # [{"expertise", "tiers"?, "when"?}]
    due_days: Mapped[int | None]  # a decision is due this many days after (re)submission
    recurrence: Mapped[dict | None] = mapped_column(JSON)  # {tier: months} for a recurring operation stage
    retired: Mapped[bool] = mapped_column(default=False)

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages")

    __table_args__ = (
        UniqueConstraint("pipeline_id", "position"),
        CheckConstraint("quorum >= 1", name="quorum_positive"),
        CheckConstraint("quorum <= reviewers", name="quorum_within_reviewers"),
        CheckConstraint("due_days IS NULL OR due_days >= 1", name="due_days_positive"),
    )

    def applies_to_tier(self, tier: str) -> bool:
        return not self.retired and tier in self.tiers
