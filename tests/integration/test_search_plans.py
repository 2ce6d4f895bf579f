"""The projects search never reads every project on PostgreSQL (issue 11): ``LIKE '%...%'`` on lower(name) and
lower(purpose) is answered by the trigram index ix_project_search (pg_trgm), and a page of a common term may instead
read the list's order index until it has its rows; neither the page nor its bounded count scans the table. The
count of a common term reads the names' matches one at a time from the GiST index ix_project_name_trgm and stops at
its limit (the GIN index collects every match first: 10,000 at a million projects). A rare
term (one project in 20,000) is the case a scan in list order would read everything for. Checked with sequential
scans switched off, so that the plan shows whether an index can serve the search at all (on a table this small the
planner would rather scan it; at 1,000,000 projects it takes the trigram index by itself: bench/http.py). PostgreSQL
only: the plan is the point (SQLite has a plain index on the same expressions, which LIKE '%...%' cannot use).

A page of the list typed by number (``/projects?page=50``, no key to continue from) reads the ids of the rows before
it from the list's order index alone (an index-only scan: no project row is read to be skipped), then its own rows
by their ids, so that a deep page costs the same at 20,000 projects as at 1,000."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from bench.list_scale import _clone
from reviewboard.core import pagination
from reviewboard.core.pagination import COUNT_AHEAD, _page_of
from reviewboard.extensions import db
from reviewboard.projects import permissions as perms
from reviewboard.projects import services
from reviewboard.projects.models import Project


def _plan(db_session, stmt) -> str:
    sql = str(stmt.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True})).replace("%%", "%")
    return "\n".join(db_session.execute(text("EXPLAIN " + sql)).scalars())


def _projects(make, db_session, name: str):
    """A chair, and 20,000 projects (each a minute older than the one before) named by the SQL ``name`` of their
    number ``g``, analysed; skips the test on SQLite."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's")
    draft = make.project()
    chair = make.user("chair")
    db_session.flush()
    conn = db_session.connection()
    top = conn.exec_driver_sql("SELECT max(id) FROM project").scalar()
    _clone(conn, "project", f"FROM project t CROSS JOIN generate_series(1, 20000) g WHERE t.id = {draft.id}",
           {"id": f"{top} + g", "updated_at": "t.updated_at - g * interval '1 minute'", "name": name})
    conn.exec_driver_sql("ANALYZE project")
    return chair


@pytest.mark.parametrize("term", ["credit scoring", "zebra crossing"])
def test_the_projects_search_does_not_read_every_project(make, db_session, term):
    # 20,000 projects, one in two about credit scoring (the count needs 221 of 10,000), one alone about a zebra crossing
    chair = _projects(make, db_session, "CASE WHEN g = 777 THEN 'Zebra crossing ' || g "
                                        "WHEN g % 2 = 0 THEN 'Credit scoring ' || g ELSE 'Project ' || g END")
    # no sequential scan, and no index scan that reads a whole unrelated index in place of one (a bloated trigram
    # index, after other tests' rolled-back rows, once made the planner read all of ix_project_owner_id instead)
    db_session.execute(text("SET LOCAL enable_seqscan = off"))
    if term == "zebra crossing":
        db_session.execute(text("SET LOCAL enable_indexscan = off"))
    stmt = services.list_columns(perms.visible_projects_query(chair, term))
    per_page = 20
    page = stmt.limit(per_page + 1)
    cap = (1 + COUNT_AHEAD) * per_page
    count = pagination.count_statement(stmt, 1, per_page, count_parts=perms.search_count_parts(chair, term))
    page_plan, count_plan = _plan(db_session, page), _plan(db_session, count)
    for plan in (page_plan, count_plan):
        assert "Seq Scan on project" not in plan, plan
    assert "ix_project_search" in page_plan or "ix_project_updated_at_id" in page_plan, page_plan
    if term == "zebra crossing":
        assert "ix_project_search" in page_plan
        assert "ix_project_search" in count_plan or "ix_project_name_trgm" in count_plan, count_plan
    else:  # the names' matches one at a time, until the count has enough: not all 10,000 of them first
        assert "Index Scan using ix_project_name_trgm" in count_plan, count_plan
    found = db_session.scalars(page).all()
    assert len(found) == (1 if term == "zebra crossing" else per_page + 1)
    assert all(term in p.name.lower() for p in found)
    assert db_session.scalar(count) == (1 if term == "zebra crossing" else cap + 1)


def test_a_deep_page_skips_the_ids_of_the_rows_before_it_in_the_order_index(make, db_session):
    chair = _projects(make, db_session, "'Project ' || g")
    stmt = _page_of(services.list_columns(perms.visible_projects_query(chair)), 50, 20, Project.id)
    plan = _plan(db_session, stmt)
    assert "Index Only Scan Backward using ix_project_updated_at_id" in plan, plan
    assert "Seq Scan on project" not in plan, plan
    rows = db_session.scalars(stmt).all()
    assert [p.name for p in rows] == [f"Project {g}" for g in range(980, 1000)]  # the newest is the one cloned


@pytest.mark.parametrize("column", ["name", "purpose"])
def test_the_planner_expects_about_as_many_matches_as_a_term_has(make, db_session, column):
    """The expression statistics behind the search's estimate keep 1,000 histogram entries (migration
    a1c0ffee0034), and a term in about one project in 50, spread at random through the sorted values, is estimated
    within four times its real count. With PostgreSQL's default 100 entries about two entries hold such a term, and
    none about one time in seven; the estimate then falls to the 0.01 % floor. Such misses decide the search's plan:
    at 1,000,000 projects "credit scoring" (1 in 100) was estimated at 100 rows, so the planner gathered all 10,000
    matches from the trigram index and sorted them for a page of 20 (100 ms) instead of reading the list's order
    index until 20 rows matched (8 ms). The matches are chosen by a hash: evenly spaced ones can fall between evenly
    spaced histogram entries every time, whatever the number of entries."""
    words = "'Project ' || {g} || CASE WHEN abs(hashtext({g}::text)) % 50 = 7 THEN ' credit scoring' ELSE '' END"
    _projects(make, db_session, words.format(g="g") if column == "name" else "'Project ' || g")
    if column == "purpose":
        db_session.execute(text(f"UPDATE project SET purpose = {words.format(g='id')}"))
        db_session.execute(text("ANALYZE project"))
    index_column = "ix_project_search.lower1" if column == "purpose" else "ix_project_name_trgm.lower"
    relation, attribute = index_column.split(".")
    target = db_session.scalar(text("SELECT attstattarget FROM pg_attribute WHERE attrelid = CAST(:r AS regclass) "
                                    "AND attname = :a"), {"r": relation, "a": attribute})
    assert target == 1000
    expression = db.func.lower(getattr(Project, column))
    stmt = select(Project.id).where(expression.like("%credit scoring%"))
    actual = len(db_session.scalars(stmt).all())
    estimate = int(re.search(r"rows=(\d+)", _plan(db_session, stmt)).group(1))
    assert 300 <= actual <= 500  # about 400 of 20,000
    assert actual / 4 <= estimate <= actual * 4, (estimate, actual)


def test_every_index_on_the_searched_expressions_keeps_the_larger_histogram(db_session):
    """The planner takes the statistics of lower(name) or lower(purpose) from whichever expression index on it it
    finds first, so every one of them must keep 1,000 entries: an index added later on either expression, left at
    the default, could hand the search its 100-entry histogram again (add it to migration a1c0ffee0034's list, in
    a migration of its own)."""
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("statistics targets are PostgreSQL's")
    rows = db_session.execute(text(
        "SELECT ic.relname, a.attnum, pg_get_indexdef(i.indexrelid, a.attnum, true), a.attstattarget "
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = i.indexrelid AND a.attnum > 0 "
        "WHERE i.indrelid = CAST('project' AS regclass) AND i.indkey[a.attnum - 1] = 0")).all()
    searched = {(index, number): target for index, number, expression, target in rows
                if re.fullmatch(r"lower\(\(?(name|purpose)\)?(::text)?\)", expression.replace(" ", ""))}
    assert len(searched) >= 4, rows  # the four of migration a1c0ffee0034 at least
    assert {column: target for column, target in searched.items() if target != 1000} == {}
