"""The committee metrics read indexes on PostgreSQL: every statement of /metrics (default filter, a tier, a
pipeline) reaches the tables that grow with the projects through an index bounded by the period, the queue now
(a partial index of the stages in review) or the row it is joined to, never by reading a whole table or index.
Checked with sequential scans, hash joins and merge joins switched off, so that the plan shows whether an index can
serve each access at all (on a small table the planner would rather read everything; bench/metrics_scale.py
measures the plans it picks at a million projects)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, text

from reviewboard.extensions import db
from reviewboard.metrics.filters import MetricsFilter
from reviewboard.metrics.services import committee_metrics

GROWING = {"project", "stage_review", "submission_round", "signoff", "conflict_declaration", "review_assignment",
           "condition"}


def _whole_reads(node: dict, partial: set[str]):
    """(table or index, node type) of each scan in a plan that reads a growing table or its index whole."""
    kind, index = node["Node Type"], node.get("Index Name")
    whole = (kind == "Seq Scan" and node.get("Relation Name") in GROWING) or (
        kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and index not in partial
        and "Index Cond" not in node and node.get("Relation Name", "") in GROWING | {""})
    if whole:
        yield node.get("Relation Name") or index, kind
    for child in node.get("Plans", []):
        yield from _whole_reads(child, partial)


@pytest.mark.parametrize("scope", [{}, {"tier": "high"}, {"pipeline": "standard"}])
def test_every_metric_statement_reads_a_bounded_range_of_an_index(make, db_session, scope):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plans checked are PostgreSQL's (SQLite has the same indexes)")
    make.project()
    db_session.flush()
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        committee_metrics(MetricsFilter(date(2026, 1, 1), date(2026, 12, 31), **scope),
                          datetime(2026, 6, 15, 12, tzinfo=UTC))
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    partial = set(db_session.execute(text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%WHERE%'")).scalars())
    assert {"ix_stage_review_in_review", "ix_conflict_declaration_recused"} <= partial
    conn = db_session.connection()
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
        conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    whole = {}
    for statement, parameters in statements:
        plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()[0]["Plan"]
        if found := list(_whole_reads(plan, partial)):
            whole[statement] = found
    assert len(statements) >= 10  # every metric was captured (decided rounds, queue, due, conditions, workload)
    assert not whole, whole
