"""The reviewer queue's count stays small with many projects (issue 11): a reviewer's own projects are left out as
a small set of ids on the stage, so PostgreSQL does not read every project to find the few in review. As filters
on the project row, the planner guessed that half the projects pass and read them all (134 ms at 100,000
projects, 1.3 ms now; bench/http.py). PostgreSQL only: the plan is the point."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from bench.list_scale import _clone
from reviewboard.core import pagination
from reviewboard.core.plans import fixed
from reviewboard.reviews import services as reviews


def test_the_queue_count_does_not_read_every_project(make, db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    stage = make.submitted_stage()
    draft = make.project()
    reviewer = make.user("reviewer")
    db_session.flush()
    conn = db_session.connection()
    top = conn.exec_driver_sql("SELECT max(id) FROM project").scalar()
    # 20,000 draft projects (clones of a draft): what an organisation registers, most of them never in review at once
    _clone(conn, "project", f"FROM project t CROSS JOIN generate_series(1, 20000) g WHERE t.id = {draft.id}",
           {"id": f"{top} + g"})
    # and one project in fifty with a stage in review
    stages = conn.exec_driver_sql("SELECT max(id) FROM stage_review").scalar()
    _clone(conn, "stage_review", f"FROM stage_review t CROSS JOIN generate_series(1, 400) g WHERE t.id = {stage.id}",
           {"id": f"{stages} + g", "project_id": f"{top} + 50 * g"})
    conn.exec_driver_sql("ANALYZE project")
    conn.exec_driver_sql("ANALYZE stage_review")
    stmt = reviews.queue_query(reviewer)
    count = select(func.count()).select_from(stmt.limit(221).subquery())
    plan = "\n".join(db_session.execute(text("EXPLAIN " + str(count.compile(
        db_session.get_bind(), compile_kwargs={"literal_binds": True})))).scalars())
    assert "Seq Scan on project" not in plan, plan
    assert [s.id for s, _at in db_session.execute(stmt.limit(2))] == [stage.id, stages + 1]
    # the page's statement: its rows, and the same bounded count as a subquery of it (one round trip)
    page, params = reviews.queue_page_query(reviewer)
    page = page.limit(fixed(20)).add_columns(pagination._count(page, 220))  # written in: planned once (core/plans)
    plan = "\n".join(db_session.execute(text("EXPLAIN " + str(page.params(params).compile(
        db_session.get_bind(), compile_kwargs={"literal_binds": True})))).scalars())
    assert "Seq Scan on project" not in plan, plan
    assert [(row.id, row.page_count_) for row in db_session.execute(page.limit(fixed(2)), params)] == [
        (stage.id, 221), (stages + 1, 221)]
