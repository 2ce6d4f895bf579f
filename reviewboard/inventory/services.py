"""The inventory's rows: the visible projects filtered and sorted in SQL and paged; the per-row facts (last
decision, conditions, duties, certificate) read for one page only, in a few statements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import load_only, raiseload

from reviewboard.certificates.models import Certificate
from reviewboard.core.language import SOURCE_LANGUAGE, current_language, translated
from reviewboard.core.pagination import Page, bounded_count
from reviewboard.extensions import db
from reviewboard.i18n import local_date
from reviewboard.pipelines.models import Pipeline
from reviewboard.projects.models import FACT_FIELDS, TIER_RANK, Project
from reviewboard.projects.permissions import visible_projects_query
from reviewboard.projects.summaries import NO_STAGES, StageLine, stage_summaries
from reviewboard.projects.tiering import Tier
from reviewboard.registration.rules import evaluate, ruleset
from reviewboard.reviews.models import Condition, StageReview
from reviewboard.reviews.workflow import Outcome, StageState

SORTS = ("name", "tier", "updated", "next_review")
TIERS = [t.value for t in Tier]
STATES = [s.value for s in StageState if s != StageState.LOCKED]


@dataclass(frozen=True)
class InventoryFilter:
    q: str = ""
    tier: str = ""
    pipeline: str = ""  # a pipeline's key: every version of it
    state: str = ""  # a stage of the system is in this state
    sort: str = "updated"
    desc: bool = True

    def args(self, **override) -> dict:
        values = {"q": self.q, "tier": self.tier, "pipeline": self.pipeline, "state": self.state,
                  "sort": self.sort, "dir": "desc" if self.desc else "asc"}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}


def parse_filter(args, pipelines: list[str]) -> InventoryFilter:
    """Filters from query arguments; anything unknown falls back to its default (never an error page).
    ``pipelines``: the pipeline keys (pipeline_keys(), read once by the page)."""
    q = " ".join((args.get("q") or "").replace("\x00", "").split())[:100]
    tier = args.get("tier") if args.get("tier") in TIERS else ""
    state = args.get("state") if args.get("state") in STATES else ""
    pipeline = (args.get("pipeline") or "").strip()
    pipeline = pipeline if pipeline in pipelines else ""
    sort = args.get("sort") if args.get("sort") in SORTS else "updated"
    desc = args.get("dir", "desc" if sort in ("updated",) else "asc") == "desc"
    return InventoryFilter(q, tier, pipeline, state, sort, desc)


def filtered_systems(user, f: InventoryFilter):
    """The visible systems the filters keep, in no order."""
    stmt = visible_projects_query(user, f.q).order_by(None)
    if f.tier:
        stmt = stmt.where(Project.tier == f.tier)
    if f.pipeline:
        stmt = stmt.where(Project.pipeline_id.in_(select(Pipeline.id).where(Pipeline.key == f.pipeline)))
    if f.state:
        stmt = stmt.where(exists().where(StageReview.project_id == Project.id,
                                         StageReview.state == StageState(f.state)))
    return stmt


def _next_reviews():
    """Each project's earliest next review, for the projects that have one (one pass over those stages)."""
    return (select(StageReview.project_id, func.min(StageReview.next_review_on).label("next_review_on"))
            .where(StageReview.next_review_on.is_not(None)).group_by(StageReview.project_id).subquery())


def listed_systems(stmt):
    """The inventory's projects read as its rows show them: their own columns and registration facts, nothing
    loaded later (a column or relationship not read here raises); the rest comes with :func:`rows_for`."""
    return stmt.options(load_only(Project.id, Project.name, Project.tier, Project.retired_at, Project.pipeline_id,
                                  Project.updated_at, *(getattr(Project, f) for f in FACT_FIELDS), raiseload=True),
                        raiseload("*"))


def inventory_parts(user, f: InventoryFilter) -> list:
    """The inventory in its order as statements read one after the other, none of which sorts every system: one
    statement read from an index in order for most sorts; by next review (no index holds a minimum over a
    system's stages) the systems with a date, sorted (they are few: only stages past a recurring review have
    one), then those without, from the primary key."""
    return _parts(filtered_systems(user, f), f)


def _parts(stmt, f: InventoryFilter) -> list:
    """:func:`inventory_parts` of the systems ``stmt`` (:func:`filtered_systems`)."""
    by_id = Project.id.desc() if f.desc else Project.id.asc()
    if f.sort != "next_review":
        key = {"name": func.lower(Project.name), "tier": TIER_RANK, "updated": Project.updated_at}[f.sort]
        return [listed_systems(stmt.order_by(key.desc() if f.desc else key.asc(), by_id))]
    reviews = _next_reviews()
    dated = stmt.join(reviews, reviews.c.project_id == Project.id).order_by(
        reviews.c.next_review_on.desc() if f.desc else reviews.c.next_review_on.asc(), by_id)
    undated = stmt.where(~exists().where(StageReview.project_id == Project.id,
                                         StageReview.next_review_on.is_not(None))).order_by(by_id)
    return [listed_systems(dated), listed_systems(undated)]


def inventory_query(user, f: InventoryFilter):
    """The inventory's one statement, for a sort other than by next review."""
    parts = inventory_parts(user, f)
    assert len(parts) == 1, "by next review the inventory is read in parts (inventory_parts)"
    return parts[0]


def inventory_page(user, f: InventoryFilter, page: int, per_page: int) -> Page:
    """A page of the inventory: its rows taken from each part in turn."""
    systems = filtered_systems(user, f)  # a statement is not changed by what is built from it: made once, used twice
    parts = _parts(systems, f)
    page, total, more = bounded_count(systems, page, per_page)
    skip, items = (page - 1) * per_page, []
    for part in parts:
        if len(items) == per_page:
            break
        items += db.session.scalars(part.limit(per_page - len(items)).offset(skip))
        if part is not parts[-1]:  # the systems with a next review: few
            skip = max(0, skip - (db.session.scalar(select(func.count()).select_from(
                part.order_by(None).subquery())) or 0))
    return Page(items, page, per_page, total, more)


@dataclass
class Row:
    project: Project  # the columns listed_systems reads
    pipeline: str  # its pipeline's name in the rows' language
    pipeline_version: int
    current_stage: StageLine | None = None
    last_decision: StageLine | None = None
    next_review_on: date | None = None
    open_conditions: int = 0
    overdue_conditions: int = 0
    duties: list = field(default_factory=list)
    certificate: object = None


def rows_for(projects: list[Project], today: date, language: str = SOURCE_LANGUAGE) -> list[Row]:
    """The rows of a page of projects (read by :func:`listed_systems`) in a fixed number of statements, whatever the
    page size: the stages (projects.summaries), the pipelines' names and versions, the condition counts and each
    system's latest certificate (what a row shows of it) are read for the whole page at once. Pipelines and duties
    are named in ``language`` (the page's reader's; exports keep English)."""
    ids = [p.id for p in projects]
    if not ids:
        return []
    summaries = stage_summaries(ids)
    pipelines = {row.id: (translated(row, "name", language), row.version) for row in db.session.execute(
        select(Pipeline.id, Pipeline.name, Pipeline.version, Pipeline.translations)
        .where(Pipeline.id.in_({p.pipeline_id for p in projects})))}
    counts: dict[int, tuple[int, int]] = {}
    overdue = func.sum(case((Condition.due_date < today, 1), else_=0))
    for project_id, n_open, n_overdue in db.session.execute(
            select(StageReview.project_id, func.count(Condition.id), overdue)
            .join(Condition, Condition.stage_review_id == StageReview.id)
            .where(StageReview.project_id.in_(ids), Condition.status != "closed")
            .group_by(StageReview.project_id)):
        counts[project_id] = (n_open, int(n_overdue or 0))
    latest = select(func.max(Certificate.id)).where(Certificate.project_id.in_(ids)).group_by(Certificate.project_id)
    certificates = {c.project_id: c for c in db.session.scalars(select(Certificate).where(
        Certificate.id.in_(latest)).options(load_only(Certificate.id, Certificate.public_id, Certificate.project_id,
                                                      Certificate.status)))}
    rows = []
    rules = ruleset(language=language)
    for p in projects:
        stages = summaries.get(p.id, NO_STAGES)
        n_open, n_overdue = counts.get(p.id, (0, 0))
        rows.append(Row(p, *pipelines[p.pipeline_id], stages.current, stages.last_decision, stages.next_review_on,
                        n_open, n_overdue, evaluate({f: getattr(p, f) for f in FACT_FIELDS}, rules),
                        certificates.get(p.id)))
    return rows


@dataclass(frozen=True)
class Moment:
    at: datetime
    kind: str  # stage, round, decision, record, condition, incident
    text: str


# a round's decision as the timeline tells it
DECIDED = {Outcome.APPROVE: _l("approved"), Outcome.APPROVE_WITH_CONDITIONS: _l("approved with conditions"),
           Outcome.REQUEST_CHANGES: _l("changes requested"), Outcome.REJECT: _l("rejected")}


def timeline(project: Project) -> list[Moment]:
    """The system's whole history from its rows, newest first, in the reader's language: stages opened, rounds
    submitted and decided, signed records, conditions set, met and closed, incidents reported and closed."""
    from reviewboard.incidents.models import Incident

    language = current_language()
    moments = [Moment(project.created_at, "project", _("Registered"))]
    for s in project.stages:
        stage = translated(s.pipeline_stage, "name", language)
        if s.opened_at:
            moments.append(Moment(s.opened_at, "stage", _("%(stage)s: opened", stage=stage)))
        for r in s.rounds:
            moments.append(Moment(r.submitted_at, "round",
                                  _("%(stage)s: round %(number)d submitted", stage=stage, number=r.number)))
            if r.decided_at and r.outcome is not None:
                moments.append(Moment(r.decided_at, "decision", _("%(stage)s: round %(number)d decided, %(outcome)s",
                                                                  stage=stage, number=r.number,
                                                                  outcome=DECIDED[r.outcome])))
        for rec in s.records:
            moments.append(Moment(rec.issued_at, "record", _("%(stage)s: signed record v%(version)d issued",
                                                             stage=stage, version=rec.version)))
        for c in s.conditions:
            moments.append(Moment(c.signoff.signed_at, "condition", _("Condition set (due %(due)s): %(text)s",
                                                                       due=local_date(c.due_date), text=c.text)))
            if c.responded_at:
                moments.append(Moment(c.responded_at, "condition", _("Condition fulfilled: %(text)s", text=c.text)))
            if c.closed_at:
                moments.append(Moment(c.closed_at, "condition", _("Condition closed: %(text)s", text=c.text)))
    for i in db.session.scalars(select(Incident).where(Incident.project_id == project.id)):
        moments.append(Moment(i.reported_at, "incident", _("Incident reported: %(title)s", title=i.title)))
        if i.closed_at:
            moments.append(Moment(i.closed_at, "incident", _("Incident closed: %(title)s", title=i.title)))
    return sorted(moments, key=lambda m: m.at, reverse=True)  # UTCDateTime: every time is aware

