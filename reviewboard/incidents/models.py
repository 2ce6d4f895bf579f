"""Incidents reported against an AI system (a project), and their evidence files.

Only :mod:`reviewboard.incidents.workflow` moves ``Incident.state``. The deadline is set from the incident
rules in force when it is reported (or reclassified), and the rules' version is stored with it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from reviewboard.auth.models import User
from reviewboard.incidents.workflow import IncidentState
from reviewboard.models.base import Base, utcnow
from reviewboard.projects.models import Project
from reviewboard.systems.models import SystemVersion


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    # the system version it happened on; None when the project had no version yet
    version_id: Mapped[int | None] = mapped_column(ForeignKey("system_version.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)  # what happened
    severity: Mapped[str] = mapped_column(String(40))  # an id from the incident rules
    category: Mapped[str | None] = mapped_column(String(40))  # what a serious incident led to (rules' id)
    widespread: Mapped[bool] = mapped_column(default=False)
    detected_on: Mapped[date]  # the day the team became aware of it: deadlines count from here
    affected_count: Mapped[int | None]
    affected_description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[IncidentState] = mapped_column(
        Enum(IncidentState, name="incident_state", native_enum=False, create_constraint=True, length=32,
             values_callable=lambda e: [m.value for m in e], validate_strings=True),
        default=IncidentState.REPORTED)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the deadline, from the rules: which rule, what is due (report | close) and by when
    rules_version: Mapped[str] = mapped_column(String(20))
    due_rule: Mapped[str] = mapped_column(String(40))
    due_duty: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date]
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assessed_at: Mapped[datetime | None]
    assessment_note: Mapped[str | None] = mapped_column(Text)
    authority: Mapped[str | None] = mapped_column(String(200))
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    authority_reported_on: Mapped[date | None]
    authority_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship()
    version: Mapped[SystemVersion | None] = relationship()
    reported_by: Mapped[User] = relationship(foreign_keys=[reported_by_id])
    assessed_by: Mapped[User | None] = relationship(foreign_keys=[assessed_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    evidence: Mapped[list[IncidentEvidence]] = relationship(back_populates="incident",
                                                            order_by="IncidentEvidence.id", lazy="selectin")

    __table_args__ = (
        CheckConstraint("due_duty in ('report', 'close')", name="known_duty"),
        CheckConstraint("affected_count IS NULL OR affected_count >= 0", name="affected_not_negative"),
        # a closed incident has its resolution, who closed it and when; only a closed one has them
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL AND closed_by_id IS NOT NULL "
                        "AND resolution IS NOT NULL)", name="closed_has_resolution"),
        # the report to the authority is recorded whole (who, reference, date), or not at all
        CheckConstraint("(authority_reference IS NULL) = (authority_reported_on IS NULL) AND "
                        "(authority_reference IS NULL) = (authority_recorded_by_id IS NULL)",
                        name="authority_report_whole"),
        CheckConstraint("state <> 'reported_to_authority' OR authority_reference IS NOT NULL",
                        name="reported_has_reference"),
        Index("ix_incident_state_due_on", "state", "due_on"),  # the register: open ones, soonest due first
        Index("ix_incident_project_id", "project_id"),
    )

    @property
    def open(self) -> bool:
        return IncidentState(self.state).open

    @property
    def duty_met(self) -> bool:
        if self.due_duty == "report":
            return self.authority_reference is not None
        return not self.open

    def overdue_on(self, today: date) -> bool:
        return not self.duty_met and today > self.due_on

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days


class IncidentEvidence(Base):
    """An evidence file of an incident; checked and stored like a stage's evidence (bytes in the database)."""

    __tablename__ = "incident_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"))
    filename: Mapped[str] = mapped_column(String(255))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),
                      Index("ix_incident_evidence_incident_id", "incident_id"))
