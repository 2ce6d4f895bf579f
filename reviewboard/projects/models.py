"""AI projects under review, their members and their evidence files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.models.base import Base, utcnow
from reviewboard.pipelines.models import Pipeline
from reviewboard.projects.tiering import TIER_ORDER, Tier

TIERS = TIER_ORDER
# data categories that make a project's data sensitive (and personal)
SENSITIVE_CATEGORIES = ("sensitive", "biometric", "health", "minors")
PROJECT_FIELDS = ("name", "purpose", "intended_users", "scenario", "model", "system_type", "data_categories",
                  "deployment_context", "autonomy_level", "scale")
# the facts the registration duties are judged on (reviewboard/registration); None: not given
FACT_FIELDS = ("sector", "public_service", "generative_public", "user_count", "training_flop", "parameter_count")


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    intended_users: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(Text, default="", server_default="")  # AI models and versions used
    system_type: Mapped[str] = mapped_column(String(40))
    data_categories: Mapped[list] = mapped_column(JSON, default=list)
    deployment_context: Mapped[str] = mapped_column(String(40))
    autonomy_level: Mapped[str] = mapped_column(String(40))
    scale: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # risk questionnaire, by question id
    tier: Mapped[str] = mapped_column(String(20))
    tier_reasons: Mapped[list] = mapped_column(JSON, default=list)
    # "prohibited or escalate" blocks submission until a chair clears it with a rationale
    escalation_cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    escalation_note: Mapped[str | None] = mapped_column(Text)
    # registration facts (reviewboard/registration judges the duties on them); None: not given
    sector: Mapped[str | None] = mapped_column(String(40))
    public_service: Mapped[bool | None]  # the system serves the public (not only the organisation)
    generative_public: Mapped[bool | None]  # it generates text, images, audio or video for the public
    user_count: Mapped[int | None] = mapped_column(BigInteger)
    training_flop: Mapped[float | None] = mapped_column(Float(precision=53))  # cumulative training compute
    parameter_count: Mapped[int | None] = mapped_column(BigInteger)
    # the duties last evaluated ([{"code", "reasons"}], with the ruleset version): audited when the set changes
    registration_duties: Mapped[dict | None] = mapped_column(JSON)
    # the system was retired (its Retirement stage approved): nothing more is added to it
    retired_at: Mapped[datetime | None]
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    pipeline: Mapped[Pipeline] = relationship()
    members: Mapped[list[ProjectMember]] = relationship(back_populates="project", lazy="selectin",
                                                        order_by="ProjectMember.id")
    stages: Mapped[list[StageReview]] = relationship(  # noqa: F821
        back_populates="project", order_by="StageReview.position", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("tier in ('low', 'medium', 'high', 'prohibited')", name="known_tier"),
                      # the lists' order (newest change first, read backwards) and a submitter's own projects
                      Index("ix_project_updated_at_id", "updated_at", "id"),
                      Index("ix_project_owner_id", "owner_id"),
                      # the metrics' outcomes by tier: a decided round's project tier from the index alone
                      Index("ix_project_id_tier", "id", "tier"),
                      Index("ix_project_tier_escalation", "tier", "escalation_cleared_by_id"))  # chairs' card

    @property
    def personal_data(self) -> bool:
        return "personal" in self.data_categories or self.sensitive_data

    @property
    def sensitive_data(self) -> bool:
        return any(c in self.data_categories for c in SENSITIVE_CATEGORIES)

    @property
    def blocked_by_escalation(self) -> bool:
        return self.tier == Tier.PROHIBITED and self.escalation_cleared_by_id is None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def member_ids(self) -> set[int]:
        """The team: everyone with a membership, whatever their role (reviewboard/teams)."""
        return {m.user_id for m in self.members}

    @property
    def involved_ids(self) -> set[int]:
        """The team and the person who registered the project, even after they left the team: none of them
        is independent of it (reviews, conditions, incidents, escalations)."""
        return {self.owner_id} | self.member_ids

    def role_of(self, user_id: int) -> str | None:
        """The member's role (MEMBER_ROLES), or None for a non-member."""
        return next((m.role for m in self.members if m.user_id == user_id), None)

    @property
    def next_review_on(self) -> date | None:
        """The earliest next periodic review among the project's stages (re-review), if any."""
        return min((s.next_review_on for s in self.stages if s.next_review_on), default=None)

    @property
    def current_stage(self):
        """The first stage not yet passed (or the last one when all passed)."""
        for stage in self.stages:
            if not stage.passed:
                return stage
        return self.stages[-1] if self.stages else None


# the projects search (name or purpose contains the words): a trigram index on PostgreSQL answers LIKE '%...%'
# without reading every project (on SQLite a plain index on the same expressions)
Index("ix_project_search", func.lower(Project.name).label("name_lower"),
      func.lower(Project.purpose).label("purpose_lower"), postgresql_using="gin",
      postgresql_ops={"name_lower": "gin_trgm_ops", "purpose_lower": "gin_trgm_ops"})
# the search's bounded count (projects.permissions.search_count_parts): GIN returns no match before it has collected
# them all; a GiST index returns a name's matches one at a time, so the count stops at its limit (PostgreSQL only)
Index("ix_project_name_trgm", func.lower(Project.name).label("name_lower"), postgresql_using="gist",
      postgresql_ops={"name_lower": "gist_trgm_ops"}).ddl_if(dialect="postgresql")


# the inventory's sorts by name and by tier (lowest risk first) read these in order (ORDER BY ... LIMIT stops after
# a page) instead of sorting every project; TIER_RANK has its values written out (no bound parameters) so that the
# statement's expression is the index's
TIER_RANK = case({literal_column(f"'{t.value}'"): literal_column(str(i)) for i, t in enumerate(Tier)},
                 value=Project.tier)
Index("ix_project_name_lower_id", func.lower(Project.name), Project.id)
Index("ix_project_tier_rank_id", TIER_RANK, Project.id)


# a project team's roles (reviewboard/teams): owners manage the team, contributors do the work, viewers read
MEMBER_ROLES = ("owner", "contributor", "viewer")
WRITING_MEMBER_ROLES = ("owner", "contributor")


class ProjectMember(Base):
    __tablename__ = "project_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    role: Mapped[str] = mapped_column(String(20), default="contributor", server_default="contributor")
    added_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("project_id", "user_id"), Index("ix_project_member_user_id", "user_id"),
                      CheckConstraint("role in ('owner', 'contributor', 'viewer')", name="known_member_role"))


class Evidence(Base):
    """An evidence file attached to one criterion of one stage review; bytes live in the database."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_review_id: Mapped[int] = mapped_column(ForeignKey("stage_review.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded (displayed, escaped)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)  # generated
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    round_number: Mapped[int] = mapped_column(default=1)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    # re-review: after this date the criterion that relied on the file is reopened (rereview.sweep)
    expires_on: Mapped[date | None]

    uploaded_by: Mapped[User] = relationship()
    criterion = relationship("Criterion")
    stage_review = relationship("StageReview", back_populates="evidence")

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)


def project_state(project: Project) -> dict:
    """The project as submitted and audited. An empty "model" and registration facts not given are left
    out, so that rounds submitted before those fields existed compare equal to the same project now."""
    state = {**{f: getattr(project, f) for f in PROJECT_FIELDS}, "answers": dict(project.answers),
             "tier": project.tier}
    if not state["model"]:
        del state["model"]
    state.update({f: getattr(project, f) for f in FACT_FIELDS if getattr(project, f) is not None})
    return state
