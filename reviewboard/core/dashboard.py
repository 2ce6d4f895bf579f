"""The dashboard's panels: what /dashboard shows each person, and who sees which panel.

Each panel is read in one statement of the columns it shows, bounded to the rows it shows (the projects list in
two: the projects, then their stages, projects/summaries.py), as plain rows with the texts already in the reader's
language: no ORM object with its long texts and JSON columns, no statement per row, no lazy load while the template
renders. The queries'
filters are those of the pages each panel previews (the projects list, the queue, the conditions list), so a
panel never shows what its page would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from reviewboard.audit.models import AuditEvent
from reviewboard.auth.models import Role, User
from reviewboard.conditions.services import visible_query as visible_conditions
from reviewboard.core.language import current_language, translated
from reviewboard.core.plans import bound_for
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.pipelines.models import PipelineStage
from reviewboard.projects.models import Project
from reviewboard.projects.permissions import (
    own_project_ids,
    sees_every_project,
    team_project_ids,
    visible_projects_query,
)
from reviewboard.projects.summaries import NO_STAGES, stage_summaries
from reviewboard.projects.tiering import Tier
from reviewboard.records.models import Record
from reviewboard.reviews import services as review_services
from reviewboard.reviews.models import Condition, StageReview, SubmissionRound
from reviewboard.reviews.workflow import PASSED_STATES, Outcome, StageState

PROJECTS_SHOWN = 8
WAITING_SHOWN = 5
RECORDS_SHOWN = 5
ALERTS_SHOWN = 10
ALERT_DAYS = 7
CONDITIONS_SHOWN = 8
DECISIONS_SHOWN = 10
REVIEWS_DUE_SHOWN = 10
RECENT_DECISIONS = timedelta(days=30)  # what a first visit shows: nobody's "last visit" to start from


@dataclass(frozen=True, slots=True)
class ProjectRow:
    id: int
    name: str
    tier: str
    stage_name: str | None  # the current stage: the first not yet passed, or the last when all passed
    stage_state: StageState | None


@dataclass(frozen=True, slots=True)
class StageRow:
    """A stage named on a panel: its project, its name in the reader's language."""

    stage_id: int
    project_name: str
    stage_name: str
    tier: str = ""
    next_review_on: date | None = None
    passed: bool = False


@dataclass(frozen=True, slots=True)
class ConditionRow:
    id: int
    text: str
    status: str
    due_date: date
    owner_name: str
    project_name: str
    stage_name: str

    def overdue_on(self, today: date) -> bool:
        return self.status != "closed" and self.due_date < today


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """A decision on one of the person's projects, with the newest record of its stage (None when there is none)."""

    stage_id: int
    project_name: str
    stage_name: str
    outcome: Outcome
    decided_at: datetime
    record_id: int | None
    record_public_id: str | None
    record_version: int | None


# The statements that do not depend on who reads: built once per process (on first use, when every model is mapped),
# not on every request; their parameters are bound at execution.

@cache
def _escalations():
    return (select(Project.id, Project.name)
            .where(Project.tier == Tier.PROHIBITED, Project.escalation_cleared_by_id.is_(None)).order_by(Project.id))


@cache
def _newest_records():
    # the newest records from ix_record_issued_at_id, each one's project name looked up by its stage (a subquery per
    # row: five index lookups). As a join, the plan rested on the statistics of record.stage_review_id: a few dozen
    # records out of date, PostgreSQL expected the records' stages among the first ids and merged the records with
    # the whole stage_review index instead (668 ms at 1,000,000 projects, for five rows)
    project_name = (select(Project.name).join(StageReview, StageReview.project_id == Project.id)
                    .where(StageReview.id == Record.stage_review_id).scalar_subquery())
    return (select(Record.id, Record.public_id, Record.version, project_name.label("project_name"))
            .order_by(Record.issued_at.desc(), Record.id.desc()).limit(RECORDS_SHOWN))


@cache
def _security_alerts():
    return (select(AuditEvent.created_at, AuditEvent.object_type, AuditEvent.object_id)
            .where(AuditEvent.action == "security.alert", AuditEvent.created_at >= bindparam("since"))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.seq.desc())
            .limit(ALERTS_SHOWN))  # newest first, read from ix_audit_event_action_created_at


@cache
def _decided():
    def newest(column):  # of the stage's records, the newest version's (a subquery per column plans faster than a join)
        return (select(column).where(Record.stage_review_id == StageReview.id).order_by(Record.version.desc())
                .limit(1).scalar_subquery())

    # from the person's few projects to their rounds, not from every recent decision to its project
    return (select(StageReview.id, Project.name, PipelineStage.name, PipelineStage.translations,
                   SubmissionRound.outcome, SubmissionRound.decided_at,
                   newest(Record.id), newest(Record.public_id), newest(Record.version))
            .select_from(SubmissionRound)
            .join(StageReview, SubmissionRound.stage_review_id == StageReview.id)
            .join(Project, StageReview.project_id == Project.id)
            .join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
            .where(StageReview.project_id.in_(team_project_ids(bindparam("member"))),
                   SubmissionRound.decided_at > bindparam("since"))
            .order_by(SubmissionRound.decided_at.desc(), SubmissionRound.id.desc()).limit(DECISIONS_SHOWN))


def _stage_name(name: str, translations: dict | None, language: str) -> str:
    return translated({"name": name, "translations": translations}, "name", language)


def your_projects(user: User, language: str) -> tuple[list[ProjectRow], list[ProjectRow]]:
    """The newest changed projects the person may see (the projects list's first rows) and, of those, the ones they
    are on the team of: two statements, the projects, then their stages."""
    rows = db.session.execute(
        visible_projects_query(user)
        .with_only_columns(Project.id, Project.name, Project.tier, Project.id.in_(own_project_ids(user)).label("mine"))
        .limit(PROJECTS_SHOWN)).all()
    summaries = stage_summaries(r.id for r in rows)
    projects, mine = [], []
    for r in rows:
        current = summaries.get(r.id, NO_STAGES).current
        row = ProjectRow(r.id, r.name, r.tier, current.name_in(language) if current else None,
                         current.state if current else None)
        projects.append(row)
        if r.mine:
            mine.append(row)
    return projects, mine


def waiting(user: User, language: str) -> list[StageRow]:
    """The first stages of the person's queue (the queue's own query: same filters, same order), named."""
    if not user.roles & {Role.REVIEWER, Role.CHAIR}:
        return []
    stmt, params = review_services.queue_page_query(user)  # built once a process, the reader a parameter
    rows = db.session.execute(stmt.limit(bound_for(stmt, WAITING_SHOWN)), params)
    return [StageRow(r.id, r.project_name, _stage_name(r.name, r.translations, language), r.tier) for r in rows]


def escalations(user: User):
    """Prohibited-tier projects no chair has cleared yet: (id, name) rows, for chairs."""
    if not user.has_role(Role.CHAIR):
        return []
    return db.session.execute(_escalations()).all()


def newest_records(user: User):
    """The newest issued records, newest first: (id, public_id, version, project_name) rows, for those who may
    read every record (auditors, chairs, reviewers)."""
    if not user.roles & {Role.AUDITOR, Role.CHAIR, Role.REVIEWER}:
        return []
    return db.session.execute(_newest_records()).all()


def security_alerts(user: User) -> tuple[list, dict[int, str]]:
    """For chairs, the last week's security alerts, newest first, and the names of the people they are about."""
    if not user.has_role(Role.CHAIR):
        return [], {}
    alerts = db.session.execute(_security_alerts(), {"since": utcnow() - timedelta(days=ALERT_DAYS)}).all()
    ids = {int(a.object_id) for a in alerts if a.object_type == "user" and a.object_id.isdigit()}
    if not ids:
        return alerts, {}
    return alerts, dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def open_conditions(user: User, language: str) -> list[ConditionRow]:
    """The open conditions the person follows (the conditions list's filter and order), overdue first."""
    owner = aliased(User)
    rows = db.session.execute(
        visible_conditions(user, entities=False).limit(CONDITIONS_SHOWN)
        .with_only_columns(Condition.id, Condition.text, Condition.status, Condition.due_date,
                           owner.name.label("owner_name"), Project.name.label("project_name"),
                           PipelineStage.name.label("stage_name"), PipelineStage.translations)
        .join(Project, StageReview.project_id == Project.id)
        .join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
        .join(owner, Condition.owner_id == owner.id))
    return [ConditionRow(r.id, r.text, r.status, r.due_date, r.owner_name, r.project_name,
                         _stage_name(r.stage_name, r.translations, language)) for r in rows]


def decided(user: User, since: datetime | None, language: str) -> list[DecisionRow]:
    """The decisions on the stages of the person's own projects (owner or member) since ``since`` (their previous
    visit; the last 30 days on a first one), newest first, each with the newest record of its stage."""
    rows = db.session.execute(_decided(), {"member": user.id, "since": since or utcnow() - RECENT_DECISIONS})
    return [DecisionRow(stage_id, project, _stage_name(name, translations, language), outcome, at, *record)
            for stage_id, project, name, translations, outcome, at, *record in rows]


def reviews_due(user: User, language: str) -> list[StageRow]:
    """Recurring stages with a next review date among the projects the person may see, soonest (or overdue)
    first: the "Periodic reviews" panel."""
    stmt = (select(StageReview.id, Project.name, PipelineStage.name, PipelineStage.translations,
                   StageReview.next_review_on, StageReview.state)
            .join(Project, StageReview.project_id == Project.id)
            .join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
            .where(StageReview.next_review_on.is_not(None))
            .order_by(StageReview.next_review_on, StageReview.id).limit(REVIEWS_DUE_SHOWN))
    if not sees_every_project(user):
        stmt = stmt.where(StageReview.project_id.in_(own_project_ids(user)))
    return [StageRow(i, project, _stage_name(name, translations, language), next_review_on=on,
                     passed=state in PASSED_STATES)
            for i, project, name, translations, on, state in db.session.execute(stmt)]


def panels(user: User, previous_visit: datetime | None) -> dict:
    """Everything the dashboard's own panels show this person (the committee's and the incidents' cards read
    theirs), as the template's variables."""
    language = current_language()
    projects, mine = your_projects(user, language)
    alerts, names = security_alerts(user)
    return {"projects": projects, "mine": mine, "waiting": waiting(user, language), "escalations": escalations(user),
            "records": newest_records(user), "alerts": alerts, "users": names,
            "conditions": open_conditions(user, language), "decided": decided(user, previous_visit, language),
            "reviews_due": reviews_due(user, language), "first_visit": previous_visit is None}
