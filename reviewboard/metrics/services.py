"""Committee metrics: cycle times, queue age, decisions due, outcomes, rounds, conditions, reviewer workload.

Every figure is computed by the database in a few set-based statements over the period's rows (grouped by
stage, tier, month or reviewer), never by a loop over projects; Python only arranges the grouped rows into
tables. The period's decided rounds are read from ``ix_submission_round_decided`` alone (decided_at first, with every
column the metrics use) and their stages from ``ix_stage_review_id_stage_project`` (id, pipeline stage, project),
so no metric reads the wide stage review or round rows; the queue goes through ``ix_stage_review_queue`` and
conditions through ``ix_condition_due_date_id``.

Percentiles are the continuous kind (linear interpolation between the two nearest values, as PostgreSQL's
``percentile_cont``). PostgreSQL computes them with ``percentile_cont ... WITHIN GROUP``; SQLite has no such
aggregate, so the same definition is written with window functions (each value's rank and its group's size)
and an interpolating sum: still one statement, still set-based, and the tests check both engines give the
same numbers. Times are in days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, select, tuple_

from reviewboard.auth.models import User
from reviewboard.committee.models import ConflictDeclaration
from reviewboard.core.language import SOURCE_LANGUAGE, translated
from reviewboard.extensions import db
from reviewboard.metrics.filters import MetricsFilter
from reviewboard.models.base import UTCDateTime
from reviewboard.pipelines.models import Pipeline, PipelineStage
from reviewboard.projects.models import Project
from reviewboard.projects.tiering import TIER_LABELS, Tier
from reviewboard.reviews.models import Condition, ReviewAssignment, SignOff, StageReview, SubmissionRound
from reviewboard.reviews.workflow import Outcome, StageState

OUTCOMES = [(Outcome.APPROVE, "Approved"), (Outcome.APPROVE_WITH_CONDITIONS, "Approved with conditions"),
            (Outcome.REQUEST_CHANGES, "Changes requested"), (Outcome.REJECT, "Rejected")]
AGE_BUCKETS = [(0, 7, "Under 7 days"), (7, 14, "7–13 days"), (14, 30, "14–29 days"), (30, 60, "30–59 days"),
               (60, None, "60 days or more")]
DUE_DAYS = 14
WORKLOAD_ROWS = 30  # the busiest reviewers; a committee has a few dozen


@dataclass
class Table:
    """One metric as rows of numbers: what the page shows under its chart and what the exports write."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    chart: str = "bar"  # bar, stacked, line, hbar, stacked_hbar
    series_from: int = 1  # the first column that is a series in the chart (the ones before label the rows)
    series_end: int | None = None  # the columns from here on (totals, medians) are in the table only
    labels: int = 1  # the columns that name a row (the rest are numbers)


@dataclass
class Metrics:
    summary: list[tuple[str, object]]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# --- the two engines' spellings of the same expression -------------------------------------------------

def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _days(later, earlier):
    if _postgres():
        # date_part is double precision; extract would give numeric, several times slower over a queue's rows
        return func.date_part("epoch", later - earlier) / 86400.0
    return cast(func.julianday(later) - func.julianday(earlier), Float)


def _month(column):
    if _postgres():
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _day(column):
    """The UTC calendar day of a stored time (comparable with a Date column on both engines)."""
    if _postgres():
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _at(moment: datetime):
    return literal(moment, UTCDateTime())


def _percentiles(rows, keys: list[str], value: str, ps=(0.5, 0.9), more_columns=None) -> dict[tuple, list]:
    """{group key values: [count, percentile for each p, *more_columns]} over a subquery's rows, grouped by
    ``keys``; the count and percentiles leave NULL values out (as ``percentile_cont`` does);
    ``more_columns(value column)`` gives more aggregates of the same groups, computed in the same statement."""
    group = [rows.c[k] for k in keys]
    v = rows.c[value]
    if _postgres():
        stmt = select(*group, func.count(v), *[func.percentile_cont(p).within_group(v) for p in ps],
                      *(more_columns(v) if more_columns else []))
        result = db.session.execute(stmt.group_by(*group))
    else:
        ranked = select(*group, v.label("v"),
                        (func.row_number().over(partition_by=group, order_by=v) - 1).label("i"),
                        func.count().over(partition_by=group).label("n")).where(v.is_not(None)).subquery()
        rank, n, val = ranked.c.i, ranked.c.n, ranked.c.v
        parts = []
        for p in ps:
            pos = p * (n - 1)
            low = cast(pos, Integer)  # floor: pos is never negative
            frac = pos - low
            parts.append(func.sum(case((rank == low, val * (1 - frac)), (rank == low + 1, val * frac), else_=0.0)))
        rgroup = [ranked.c[k] for k in keys]
        more = more_columns(val) if more_columns else []
        result = db.session.execute(select(*rgroup, func.max(n), *parts, *more).group_by(*rgroup))
    k, width = len(keys), len(keys) + 1 + len(ps)
    return {tuple(r[:k]): [int(r[k]), *(None if x is None else float(x) for x in r[k + 1:width]), *r[width:]]
            for r in result}


# --- scope: the filter's pipeline and tier --------------------------------------------------------------

def _scoped(stmt, f: MetricsFilter, by_stage: bool = True):
    """Applies the pipeline (by the stage's own pipeline version) and the tier to a statement over stage_review,
    and joins its pipeline stage when the metric is ``by_stage`` (grouped by the stage's code); the project table
    is joined only for a tier, so an unfiltered metric reads the period's rows and their stages, never the million
    projects. A count that is not by stage joins nothing: each stage review has one pipeline stage."""
    pipeline = PipelineStage.pipeline_id.in_(select(Pipeline.id).where(Pipeline.key == f.pipeline))
    if by_stage:
        stmt = stmt.join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
        if f.pipeline:
            stmt = stmt.where(pipeline)
    elif f.pipeline:
        stmt = stmt.where(StageReview.pipeline_stage_id.in_(select(PipelineStage.id).where(pipeline)))
    if f.tier:
        stmt = stmt.join(Project, StageReview.project_id == Project.id).where(Project.tier == f.tier)
    return stmt


def stages(f: MetricsFilter, language: str = SOURCE_LANGUAGE) -> list[tuple[str, str]]:
    """(code, name in ``language``) of the pipelines' stages, in pipeline order (a code's name from its newest
    version). Pipeline stages are few (a handful per pipeline version): read whole, grouped here."""
    stmt = select(PipelineStage.code, PipelineStage.position, PipelineStage.name, PipelineStage.translations)
    if f.pipeline:
        stmt = stmt.join(Pipeline, PipelineStage.pipeline_id == Pipeline.id).where(Pipeline.key == f.pipeline)
    first: dict[str, int] = {}
    named: dict[str, object] = {}
    for row in db.session.execute(stmt.order_by(PipelineStage.id)):
        first[row.code] = min(first.get(row.code, row.position), row.position)
        if row.code not in named or row.name >= named[row.code].name:
            named[row.code] = row
    return [(code, translated(named[code], "name", language)) for code in sorted(first, key=lambda c: (first[c], c))]


def _round(x: float | None, digits: int = 1):
    return None if x is None else round(x, digits)


def _period_rounds(f: MetricsFilter, with_tier: bool = False):
    stmt = select(PipelineStage.code.label("code"), SubmissionRound.outcome.label("outcome"),
                  SubmissionRound.number.label("number"),
                  _days(SubmissionRound.decided_at, SubmissionRound.submitted_at).label("days"),
                  _month(SubmissionRound.decided_at).label("month")).select_from(SubmissionRound).join(
        StageReview, SubmissionRound.stage_review_id == StageReview.id)
    if with_tier:
        stmt = stmt.add_columns(Project.tier.label("tier"))
        if not f.tier:
            stmt = stmt.join(Project, StageReview.project_id == Project.id)
    return _scoped(stmt, f).where(SubmissionRound.decided_at >= f.start, SubmissionRound.decided_at < f.end,
                                  SubmissionRound.outcome.is_not(None))


# --- the metrics ---------------------------------------------------------------------------------------

def decided_rounds(f: MetricsFilter) -> tuple[dict[tuple, list], dict[tuple, list], dict[tuple, int]]:
    """The period's decided rounds, for the cycle times, their trend, the outcomes and the rounds per stage:
    {(code,): [count, median days, 90th percentile]}, {(month, code): [count, median days]} and
    {(code, tier now, outcome, round number): count}. One read of the period's rounds on PostgreSQL (GROUPING SETS),
    three statements on SQLite (which has no grouping sets)."""
    rows = _period_rounds(f, with_tier=True).subquery()
    c = rows.c
    counted = [c.code, c.tier, c.outcome, c.number]
    if not _postgres():
        times = _period_rounds(f).subquery()
        counts = db.session.execute(select(*counted, func.count()).group_by(*counted))
        return (_percentiles(times, ["code"], "days"), _percentiles(times, ["month", "code"], "days", ps=(0.5,)),
                {tuple(r[:4]): int(r[4]) for r in counts})
    stmt = select(func.grouping(c.month, c.tier), c.month, *counted, func.count(),
                  *[func.percentile_cont(p).within_group(c.days) for p in (0.5, 0.9)]).group_by(
        func.grouping_sets(tuple_(c.code), tuple_(c.month, c.code), tuple_(*counted)))
    by_stage: dict[tuple, list] = {}
    by_month: dict[tuple, list] = {}
    counts: dict[tuple, int] = {}
    for grouped, month, code, tier, outcome, number, n, p50, p90 in db.session.execute(stmt):
        if grouped == 0b11:  # month and tier grouped away: by stage
            by_stage[(code,)] = [int(n), float(p50), float(p90)]
        elif grouped == 0b01:  # the tier grouped away: by month and stage
            by_month[(month, code)] = [int(n), float(p50)]
        else:
            counts[(code, tier, outcome, number)] = int(n)
    return by_stage, by_month, counts


def cycle_times(names: dict[str, str], by_stage: dict[tuple, list]) -> Table:
    table = Table("cycle", "Review cycle time by stage",
                  ["Stage", "Decisions", "Median (days)", "90th percentile (days)"],
                  note="Each round from its submission to its decision (approval, approval with conditions, "
                       "changes requested or rejection), for the rounds decided in the period.",
                  chart="bar", series_from=2)
    for code, name in names.items():
        if (code,) in by_stage:
            n, p50, p90 = by_stage[(code,)]
            table.rows.append([name, n, _round(p50), _round(p90)])
    return table


def _months(f: MetricsFilter) -> list[str]:
    months, y, m = [], f.since.year, f.since.month
    while (y, m) <= (f.until.year, f.until.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def cycle_trend(f: MetricsFilter, names: dict[str, str], by_month: dict[tuple, list]) -> Table:
    codes = [c for c in names if any(k[1] == c for k in by_month)]
    table = Table("trend", "Median cycle time by month", ["Month", *[f"{names[c]} (days)" for c in codes]],
                  note="The median days from submission to decision of the rounds decided in each month; "
                       "a blank: no decision that month.", chart="line")
    if codes:
        for month in _months(f):
            table.rows.append([month, *[_round(by_month[(month, c)][1]) if (month, c) in by_month else None
                                        for c in codes]])
    return table


def queue_age(f: MetricsFilter, names: dict[str, str], now: datetime) -> Table:
    """One statement over the stages in review (the partial index ``ix_stage_review_in_review``). Their submission
    time is not required in the WHERE clause: PostgreSQL would then guess a hundred times too few rows and read the
    stage rows instead of that index; a stage in review has always been submitted, and a NULL age is left out of
    every count and percentile anyway."""
    in_review = _scoped(select(PipelineStage.code.label("code"),
                               _days(_at(now), StageReview.submitted_at).label("age")).select_from(StageReview), f)
    in_review = in_review.where(StageReview.state == StageState.IN_REVIEW)

    def buckets(age):
        return [func.count().filter(age >= low if high is None else and_(age >= low, age < high))
                for low, high, _label in AGE_BUCKETS]

    found = _percentiles(in_review.subquery(), ["code"], "age", more_columns=buckets)
    table = Table("queue", "Queue age now", ["Stage", *[b[2] for b in AGE_BUCKETS], "In review", "Median age (days)",
                                             "90th percentile (days)"],
                  note="The stages in review now, by the time since their current round was submitted.",
                  chart="stacked", series_end=1 + len(AGE_BUCKETS))
    for code, name in names.items():
        if (code,) in found:
            total, p50, p90, *per_bucket = found[(code,)]
            table.rows.append([name, *[int(x or 0) for x in per_bucket], total, _round(p50), _round(p90)])
    return table


def decisions_due(f: MetricsFilter, now: datetime, today: date) -> tuple[Table, int]:
    """Decisions due on each of the next 14 days, and how many are past due now."""
    horizon = datetime.combine(today + timedelta(days=DUE_DAYS), datetime.min.time(), tzinfo=now.tzinfo)
    base = _scoped(select(StageReview.id).select_from(StageReview), f, by_stage=False).where(
        StageReview.state == StageState.IN_REVIEW, StageReview.due_at.is_not(None))
    overdue = db.session.scalar(select(func.count()).select_from(base.where(StageReview.due_at < now).subquery()))
    day = _day(StageReview.due_at)
    upcoming = base.with_only_columns(day.label("day"), func.count()).where(
        StageReview.due_at >= now, StageReview.due_at < horizon).group_by(day)
    per_day = {(d if isinstance(d, str) else d.isoformat()): n for d, n in db.session.execute(upcoming)}
    table = Table("due", f"Decisions due in {DUE_DAYS} days", ["Day", "Decisions due"],
                  note=f"Stages in review whose decision is due from now until {DUE_DAYS} days ahead; "
                       f"{overdue} more are past their due date.", chart="bar")
    if per_day:
        for i in range(DUE_DAYS):
            d = (today + timedelta(days=i)).isoformat()
            table.rows.append([d, per_day.get(d, 0)])
    return table, int(overdue or 0)


def outcomes(names: dict[str, str], counts: dict[tuple, int]) -> Table:
    found: dict[tuple, list[int]] = {}
    for (code, tier, outcome, _number), n in counts.items():
        per = found.setdefault((code, tier), [0] * (len(OUTCOMES) + 1))
        per[[o for o, _label in OUTCOMES].index(outcome)] += n
        per[-1] += n
    table = Table("outcomes", "Outcomes by stage and tier",
                  ["Stage", "Tier", *[label for _o, label in OUTCOMES], "Decisions"],
                  note="The decision of each round decided in the period, by the system's risk tier now.",
                  chart="stacked_hbar", series_from=2, series_end=2 + len(OUTCOMES), labels=2)
    for code, name in names.items():
        for tier in Tier:
            if (code, tier.value) in found:
                table.rows.append([name, TIER_LABELS[tier.value], *found[(code, tier.value)]])
    return table


def rounds_per_stage(names: dict[str, str], counts: dict[tuple, int]) -> Table:
    """The final decisions (not "changes requested") by the round they came in: 1, 2, 3 or more."""
    found: dict[str, list[int]] = {}
    for (code, _tier, outcome, number), n in counts.items():
        if outcome != Outcome.REQUEST_CHANGES:
            per = found.setdefault(code, [0, 0, 0, 0, 0])  # 1 round, 2, 3 or more, stages decided, rounds
            per[min(number, 3) - 1] += n
            per[3] += n
            per[4] += number * n
    table = Table("rounds", "Rounds per stage", ["Stage", "1 round", "2 rounds", "3 or more", "Stages decided",
                                                 "Average rounds"],
                  note="The stages finally decided in the period (approved, with conditions or rejected), by "
                       "the number of rounds they took.", chart="stacked", series_end=4)
    for code, name in names.items():
        if code in found:
            one, two, more, total, rounds = found[code]
            table.rows.append([name, one, two, more, total, _round(rounds / total, 2)])
    return table


def conditions(f: MetricsFilter, names: dict[str, str], today: date) -> Table:
    closed = Condition.status == "closed"
    on_time = and_(closed, _day(Condition.closed_at) <= Condition.due_date)
    stmt = _scoped(select(PipelineStage.code,
                          func.sum(case((on_time, 1), else_=0)),
                          func.sum(case((and_(closed, ~on_time), 1), else_=0)),
                          func.sum(case((and_(~closed, Condition.due_date < today), 1), else_=0)),
                          func.sum(case((and_(~closed, Condition.due_date >= today), 1), else_=0)),
                          func.count()).select_from(Condition)
                   .join(StageReview, Condition.stage_review_id == StageReview.id), f)
    stmt = stmt.where(Condition.due_date >= f.since, Condition.due_date <= f.until).group_by(PipelineStage.code)
    found = {r[0]: [int(x or 0) for x in r[1:]] for r in db.session.execute(stmt)}
    table = Table("conditions", "Conditions due in the period",
                  ["Stage", "Closed on time", "Closed late", "Overdue", "Open, not yet due", "Conditions"],
                  note="Conditions of approvals whose due date falls in the period, by where they stand today: "
                       "closed by their due date, closed after it, still open past it, or open and not yet due.",
                  chart="stacked", series_end=5)
    for code, name in names.items():
        if code in found:
            table.rows.append([name, *found[code]])
    return table


def open_conditions_now(f: MetricsFilter, today: date) -> tuple[int, int]:
    """Every open condition is counted (they are few next to the stages); their stage reviews are joined only to
    apply a pipeline or a tier, since each condition has exactly one stage review and pipeline stage."""
    stmt = select(func.count(), func.sum(case((Condition.due_date < today, 1), else_=0))).select_from(Condition)
    if f.pipeline or f.tier:
        stmt = _scoped(stmt.join(StageReview, Condition.stage_review_id == StageReview.id), f, by_stage=False)
    # "open or fulfilled" rather than "not closed": the same rows (the statuses are checked), read from the index
    n, overdue = db.session.execute(stmt.where(Condition.status.in_(("open", "fulfilled")))).one()
    return int(n or 0), int(overdue or 0)


def workload(f: MetricsFilter) -> Table:
    """Per reviewer: stages in review they are assigned to now, their sign-offs and their recusals in the
    period. Three grouped statements; the busiest WORKLOAD_ROWS reviewers are listed."""
    assigned = _scoped(select(ReviewAssignment.reviewer_id, func.count()).select_from(ReviewAssignment)
                       .join(StageReview, ReviewAssignment.stage_review_id == StageReview.id), f, by_stage=False).where(
        StageReview.state == StageState.IN_REVIEW).group_by(ReviewAssignment.reviewer_id)
    # a sign-off has one round and a declaration one stage review: they are joined only for a pipeline or tier
    signed = select(SignOff.reviewer_id, func.count()).select_from(SignOff).where(
        SignOff.signed_at >= f.start, SignOff.signed_at < f.end).group_by(SignOff.reviewer_id)
    if f.pipeline or f.tier:
        signed = _scoped(signed.join(SubmissionRound, SignOff.round_id == SubmissionRound.id)
                         .join(StageReview, SubmissionRound.stage_review_id == StageReview.id), f, by_stage=False)
    declared = func.coalesce(ConflictDeclaration.conflict_declared_at, ConflictDeclaration.declared_at)
    recused = select(ConflictDeclaration.reviewer_id, func.count()).select_from(ConflictDeclaration).where(
        ConflictDeclaration.has_conflict, declared >= f.start, declared < f.end).group_by(
        ConflictDeclaration.reviewer_id)
    if f.pipeline or f.tier:
        recused = _scoped(recused.join(StageReview, ConflictDeclaration.stage_review_id == StageReview.id), f,
                          by_stage=False)
    per: dict[int, list[int]] = {}
    for i, stmt in enumerate((assigned, signed, recused)):
        for reviewer_id, n in db.session.execute(stmt):
            per.setdefault(reviewer_id, [0, 0, 0])[i] = int(n)
    busiest = sorted(per.items(), key=lambda kv: (-sum(kv[1]), kv[0]))[:WORKLOAD_ROWS]
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_([k for k, _ in busiest]))).all())
    table = Table("workload", "Reviewer workload and recusals",
                  ["Reviewer", "Assigned stages in review now", "Sign-offs in the period", "Recusals in the period"],
                  note=f"The {WORKLOAD_ROWS} busiest reviewers at most; a recusal is a conflict of interest "
                       "declared for a round.", chart="hbar")
    for reviewer_id, counts in busiest:
        table.rows.append([names.get(reviewer_id, f"#{reviewer_id}"), *counts])
    return table


def committee_metrics(f: MetricsFilter, now: datetime, language: str = SOURCE_LANGUAGE) -> Metrics:
    """Every metric for the filter, as of ``now``; the stages named in ``language`` (the exports keep English)."""
    today = now.date()
    names = dict(stages(f, language))
    by_stage, by_month, counts = decided_rounds(f)
    cycle = cycle_times(names, by_stage)
    due, overdue = decisions_due(f, now, today)
    queue = queue_age(f, names, now)
    open_now, overdue_conditions = open_conditions_now(f, today)
    summary = [("Decisions in the period", sum(r[1] for r in cycle.rows)),
               ("Stages in review now", sum(r[1 + len(AGE_BUCKETS)] for r in queue.rows)),
               (f"Decisions due in {DUE_DAYS} days", sum(r[1] for r in due.rows)),
               ("Decisions past due", overdue),
               ("Open conditions", open_now),
               ("Overdue conditions", overdue_conditions)]
    tables = [cycle, cycle_trend(f, names, by_month), queue, due, outcomes(names, counts),
              rounds_per_stage(names, counts), conditions(f, names, today), workload(f)]
    return Metrics(summary, tables)
