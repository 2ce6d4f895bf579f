"""Committee metrics on a small crafted dataset with known answers, on both engines: cycle-time medians and
90th percentiles (percentile_cont on PostgreSQL, the window-function form on SQLite: the same numbers),
the monthly trend, queue age and decisions due, outcomes by stage and tier, rounds per stage, conditions
closed on time, late and overdue, reviewer workload and recusals, and each filter (period, pipeline, tier)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from reviewboard.committee.models import ConflictDeclaration
from reviewboard.metrics.filters import MetricsFilter, parse_filter
from reviewboard.metrics.services import committee_metrics
from reviewboard.pipelines.services import current_version
from reviewboard.reviews.models import Condition, ReviewAssignment, SignOff, SubmissionRound
from reviewboard.reviews.workflow import Outcome, StageState

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PERIOD = MetricsFilter(date(2026, 1, 1), date(2026, 6, 30))


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


def rounds(session, stage, *specs):
    """Rounds 1.. of a stage: (submitted, decided, outcome) each."""
    made = []
    for number, (submitted, decided, outcome) in enumerate(specs, start=1):
        made.append(SubmissionRound(stage_review_id=stage.id, number=number, submitted_by_id=stage.project.owner_id,
                                    submitted_at=submitted, snapshot={}, outcome=outcome, decided_at=decided))
    session.add_all(made)
    session.flush()
    return made


def signoff(session, rnd, reviewer, signed_at):
    s = SignOff(round_id=rnd.id, reviewer_id=reviewer.id, outcome=rnd.outcome or Outcome.APPROVE, printed_name="x",
                role_title="Reviewer", meaning="approval", signed_at=signed_at, content_sha256="0" * 64,
                signed_content="{}")
    session.add(s)
    session.flush()
    return s


def in_review(stage, submitted: datetime, due: datetime | None):
    stage.state, stage.submitted_at, stage.due_at = StageState.IN_REVIEW, submitted, due


@pytest.fixture
def world(make, db_session):
    s = db_session
    r1, r2 = make.reviewers(2)
    r1.name, r2.name = "Rita Reviewer", "Sam Second"

    def project(tier, pipeline=None):
        p = make.project(pipeline=pipeline)
        p.tier = tier
        return p

    a, b, d = project("high"), project("low"), project("high")
    # Design (DES): 1, 2, 3 and 10 days, all decided in May; R&D (DEV): 4 days in April; one round in 2025
    s1 = a.stages[0]
    first, second = rounds(s, s1, (at(5, 1), at(5, 2), Outcome.REQUEST_CHANGES),
                           (at(5, 3), at(5, 5), Outcome.APPROVE_WITH_CONDITIONS))
    (approved,) = rounds(s, b.stages[0], (at(5, 1), at(5, 4), Outcome.APPROVE))
    rounds(s, d.stages[0], (at(5, 10), at(5, 20), Outcome.REJECT))
    rounds(s, b.stages[1], (at(4, 1), at(4, 5), Outcome.REJECT))
    (old,) = rounds(s, a.stages[1], (at(11, 20, 2025), at(12, 1, 2025), Outcome.APPROVE))
    # another pipeline's Design round (2 days, low tier): only without the pipeline filter
    other = project("low", current_version("internal-tool"))
    rounds(s, other.stages[0], (at(3, 1), at(3, 3), Outcome.APPROVE))
    # the queue now: 3, 20 and 90 days old (medium tier); one due in two days, one a day past due
    queue = [project("medium").stages[0] for _ in range(3)]
    in_review(queue[0], NOW - timedelta(days=3), NOW + timedelta(days=2))
    in_review(queue[1], NOW - timedelta(days=20), NOW - timedelta(days=1))
    in_review(queue[2], NOW - timedelta(days=90), None)
    # conditions of the approval with conditions: on time, late, overdue, open and not yet due, one in 2025
    sig = signoff(s, second, r1, at(5, 5))
    signoff(s, approved, r2, at(5, 4))
    signoff(s, old, r2, at(12, 1, 2025))

    def condition(due, status="open", closed=None):
        s.add(Condition(stage_review_id=s1.id, signoff_id=sig.id, text="c", owner_id=a.owner_id, due_date=due,
                        status=status, closed_at=closed, extra={}))

    condition(date(2026, 5, 20), "closed", at(5, 19))
    condition(date(2026, 5, 20), "closed", at(5, 25))
    condition(date(2026, 6, 1))
    condition(date(2026, 6, 30), "fulfilled")
    condition(date(2025, 12, 1), "closed", at(11, 30, 2025))
    # workload: R1 on two stages in review, R2 on one (and on a decided one, not counted)
    for stage, reviewer in ((queue[0], r1), (queue[1], r1), (queue[0], r2), (b.stages[0], r2)):
        s.add(ReviewAssignment(stage_review_id=stage.id, reviewer_id=reviewer.id, assigned_by_id=reviewer.id))
    # recusals: R2 in March; R1 declared no conflict, then one in June; R1's plain "no conflict" is none
    s.add_all([
        ConflictDeclaration(stage_review_id=queue[2].id, reviewer_id=r2.id, round_number=1, has_conflict=True,
                            nature="Former employer", declared_at=at(3, 1)),
        ConflictDeclaration(stage_review_id=queue[1].id, reviewer_id=r1.id, round_number=1, has_conflict=True,
                            nature="Shares", declared_at=at(5, 30), conflict_declared_at=at(6, 1)),
        ConflictDeclaration(stage_review_id=queue[0].id, reviewer_id=r1.id, round_number=1, has_conflict=False,
                            declared_at=at(6, 2))])
    s.flush()
    return {"r1": r1, "r2": r2}


def rows(metrics, key) -> list[list]:
    return metrics.table(key).rows


def test_cycle_time_median_and_90th_percentile_per_stage_and_by_month(world):
    m = committee_metrics(PERIOD, NOW)
    # Design: 1, 2, 2 (other pipeline), 3, 10 days -> median 2, p90 at position 3.6: 3 + 0.6 * 7 = 7.2
    assert rows(m, "cycle") == [["Design", 5, 2.0, 7.2], ["R&D", 1, 4.0, 4.0]]
    trend = {r[0]: r[1:] for r in rows(m, "trend")}
    assert list(trend) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert trend["2026-05"] == [2.5, None] and trend["2026-04"] == [None, 4.0] and trend["2026-03"] == [2.0, None]
    assert trend["2026-01"] == [None, None]


def test_filters_by_pipeline_tier_and_period(world):
    standard = committee_metrics(MetricsFilter(PERIOD.since, PERIOD.until, pipeline="standard"), NOW)
    # 1, 2, 3, 10: median 2.5, p90 at position 2.7: 3 + 0.7 * 7 = 7.9
    assert rows(standard, "cycle")[0] == ["Design", 4, 2.5, 7.9]
    assert rows(standard, "outcomes")[0] == ["Design", "Low", 1, 0, 0, 0, 1]  # not the internal tool's approval
    low = committee_metrics(MetricsFilter(PERIOD.since, PERIOD.until, tier="low"), NOW)
    assert rows(low, "cycle") == [["Design", 2, 2.5, 2.9], ["R&D", 1, 4.0, 4.0]]
    assert rows(low, "queue") == [] and rows(low, "workload") == [["Sam Second", 0, 1, 0]]
    assert rows(low, "outcomes") == [["Design", "Low", 2, 0, 0, 0, 2], ["R&D", "Low", 0, 0, 0, 1, 1]]
    may = committee_metrics(MetricsFilter(date(2026, 5, 1), date(2026, 5, 31)), NOW)
    assert rows(may, "cycle") == [["Design", 4, 2.5, 7.9]]
    year_2025 = committee_metrics(MetricsFilter(date(2025, 1, 1), date(2025, 12, 31)), NOW)
    assert rows(year_2025, "cycle") == [["R&D", 1, 11.0, 11.0]]


def test_outcomes_by_stage_and_tier_and_rounds_per_stage(world):
    m = committee_metrics(PERIOD, NOW)
    # approved, with conditions, changes requested, rejected, total
    assert rows(m, "outcomes") == [["Design", "Low", 2, 0, 0, 0, 2], ["Design", "High", 0, 1, 1, 1, 3],
                                   ["R&D", "Low", 0, 0, 0, 1, 1]]
    # 1 round, 2 rounds, 3 or more, stages decided, average
    assert rows(m, "rounds") == [["Design", 3, 1, 0, 4, 1.25], ["R&D", 1, 0, 0, 1, 1.0]]


def test_queue_age_and_decisions_due(world):
    m = committee_metrics(PERIOD, NOW)
    # under 7, 7-13, 14-29, 30-59, 60+, in review, median age, p90 (3, 20, 90: 20 + 0.8 * 70 = 76)
    assert rows(m, "queue") == [["Design", 1, 0, 1, 0, 1, 3, 20.0, 76.0]]
    due = rows(m, "due")
    assert len(due) == 14 and due[0] == ["2026-06-15", 0] and ["2026-06-17", 1] in due and sum(r[1] for r in due) == 1
    summary = dict(m.summary)
    assert summary["Decisions past due"] == 1 and summary["Stages in review now"] == 3
    assert summary["Decisions in the period"] == 6


def test_conditions_on_time_late_overdue_and_open(world):
    m = committee_metrics(PERIOD, NOW)
    # closed on time, closed late, overdue, open not yet due, total: the 2025 one is outside the period
    assert rows(m, "conditions") == [["Design", 1, 1, 1, 1, 4]]
    summary = dict(m.summary)
    assert summary["Open conditions"] == 2 and summary["Overdue conditions"] == 1


def test_reviewer_workload_and_recusals(world):
    m = committee_metrics(PERIOD, NOW)
    # assigned in review now, sign-offs in the period, recusals in the period
    assert rows(m, "workload") == [["Rita Reviewer", 2, 1, 1], ["Sam Second", 1, 1, 1]]
    june = committee_metrics(MetricsFilter(date(2026, 6, 1), date(2026, 6, 30)), NOW)
    assert rows(june, "workload") == [["Rita Reviewer", 2, 0, 1], ["Sam Second", 1, 0, 0]]


def test_empty_period_gives_empty_tables_not_errors(world):
    m = committee_metrics(MetricsFilter(date(2020, 1, 1), date(2020, 12, 31)), NOW)
    for key in ("cycle", "trend", "outcomes", "rounds", "conditions"):
        assert rows(m, key) == [], key


@pytest.mark.parametrize("args,problem", [
    ({"since": "yesterday"}, "is not a date"),
    ({"since": "2026-05-01", "until": "2026-04-01"}, "starts (2026-05-01) after it ends"),
    ({"tier": "extreme"}, "no risk tier"),
    ({"pipeline": "nope"}, "no pipeline"),
    ({"since": "1990-01-01", "until": "2026-01-01"}, "longer than ten years"),
])
def test_unreadable_filters_are_named_and_replaced_by_defaults(db_session, args, problem):
    f, problems = parse_filter(args, date(2026, 6, 15))
    assert len(problems) == 1 and problem in problems[0]
    assert f.since <= f.until and (f.until - f.since).days <= 3660 and f.tier == "" and f.pipeline == ""


def test_default_period_is_twelve_whole_months(db_session):
    f, problems = parse_filter({}, date(2026, 6, 15))
    assert problems == [] and (f.since, f.until) == (date(2025, 7, 1), date(2026, 6, 15))
