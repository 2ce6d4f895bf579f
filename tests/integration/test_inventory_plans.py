"""The inventory's sorts read an index in order on PostgreSQL (a page stops after its rows instead of sorting every
project): by last change, by name and by tier. Checked with sorting switched off, so that the plan shows whether an
index can give the order at all (on a small table the planner would rather sort)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from reviewboard.inventory.services import inventory_query, parse_filter


@pytest.mark.parametrize("sort,desc,index", [("updated", "desc", "ix_project_updated_at_id"),
                                             ("name", "asc", "ix_project_name_lower_id"),
                                             ("name", "desc", "ix_project_name_lower_id"),
                                             ("tier", "asc", "ix_project_tier_rank_id"),
                                             ("tier", "desc", "ix_project_tier_rank_id")])
def test_the_inventory_sorts_read_an_index_in_order(make, db_session, sort, desc, index):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the plan checked is PostgreSQL's (SQLite has the same indexes)")
    chair = make.user("chair")
    make.project()
    db_session.flush()
    stmt = inventory_query(chair, parse_filter({"sort": sort, "dir": desc}, [])).limit(20)
    sql = str(stmt.compile(db_session.get_bind(), compile_kwargs={"literal_binds": True}))
    db_session.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(db_session.execute(text("EXPLAIN " + sql)).scalars())
    assert index in plan and "Sort Key" not in plan.split(index)[0], plan
