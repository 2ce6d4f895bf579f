"""The dashboard's newest records are read from the record index in order and each one's project name looked up by
its stage, row by row, on PostgreSQL: joined to the stages before the limit, the plan depended on the record table's
statistics, and with them a few dozen records out of date PostgreSQL merged the records with the whole stage_review
index (668 ms at 1,000,000 projects, for five rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from reviewboard.core.dashboard import _newest_records, newest_records


def test_the_newest_records_look_up_their_stages_row_by_row_after_the_limit(make, db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    sql = str(_newest_records().compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(db_session.execute(text("EXPLAIN " + sql)).scalars())
    joined, _, per_row = plan.partition("SubPlan")
    assert "stage_review" not in joined and "stage_review" in per_row, plan


def _decide(make, name: str):
    stage = make.submitted_stage(name=name)
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    return stage


def test_the_chair_sees_the_newest_records_newest_first_each_with_its_project(make, db_session):
    from reviewboard.records.models import Record

    chair = make.user("chair")
    older, newer = _decide(make, "Older system"), _decide(make, "Newer system")
    db_session.commit()  # the records are issued after the deciding commit
    issued = {r.stage_review_id: r for r in db_session.scalars(select(Record))}
    assert {older.id, newer.id} <= issued.keys()
    issued[newer.id].issued_at = issued[older.id].issued_at + timedelta(minutes=1)
    db_session.flush()
    rows = [(r.id, r.project_name) for r in newest_records(chair)]
    assert rows[:2] == [(issued[newer.id].id, "Newer system"), (issued[older.id].id, "Older system")]
