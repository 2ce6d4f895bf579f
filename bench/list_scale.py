# ruff: noqa: S608  (the SQL below is composed of integers and table names, never of input)
"""List queries at scale, on PostgreSQL: `python bench/list_scale.py --sizes 1000,100000`.

For each size, a fresh database is seeded with N projects by set-based SQL (INSERT ... SELECT over
generate_series, cloning a few projects made through the services: drafts, stages in review, a decided
stage with a condition), with their stages, submission rounds, conditions and 5 audit events per project.
Then each list query a page runs (reviewer queue, chair dashboard parts, projects list page 1 and a deep
page, search) is timed (median of --repeat) and its EXPLAIN (ANALYZE) printed, twice on the same database:

- "before": the query text as it was before the list-scaling change (every column, a COUNT over the
  whole filtered set, the queue's aggregate over every round), without the list indexes;
- "after": the queries the pages run now (reviewboard code), with the indexes of migration a1c0ffee5ca1.

The last table gives each query's time at the largest size divided by its time at the smallest (flat: ~1).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

# run as a script, this file's folder comes first on sys.path, where bench/http.py would hide the standard `http`
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    del sys.path[0]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _keys, _seed_busy_committee, stand_in_records  # noqa: E402
from tests.conftest import make_app, prepare_schema  # noqa: E402
from tests.support.databases import fresh_database, postgres_available  # noqa: E402

PER_PAGE = 20
DEEP_PAGE = 50
SEARCH = "credit scoring"
STAGE_SLOTS = 16  # stage ids per project (more than any pipeline's stages)
ROUND_SLOTS = 8  # round ids per stage


def _seed_templates(make):
    """A few real projects made through the services: the rows the SQL clones."""
    reviewer, chair, owner = _seed_busy_committee(make, 10)  # in review; the first with a decided stage
    for _ in range(10):
        make.project(owner)  # drafts
    make.session.commit()
    return reviewer, chair, owner


def _columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %(t)s ORDER BY ordinal_position",
        {"t": table})]


def _clone(conn, table: str, source: str, overrides: dict[str, str], where: str = "") -> None:
    cols = _columns(conn, table)
    exprs = [overrides.get(c, f't."{c}"') for c in cols if overrides.get(c, "") is not None]
    names = [f'"{c}"' for c in cols if overrides.get(c, "") is not None]
    _sql(conn, f'INSERT INTO "{table}" ({", ".join(names)}) SELECT {", ".join(exprs)} {source} {where}')


def _sql(conn, sql: str):
    return conn.exec_driver_sql(sql.replace("%", "%%"), {})


def seed(conn, n: int) -> None:
    """n projects more, cloned from the templates by set-based SQL."""
    one = lambda sql: _sql(conn, sql).scalar()  # noqa: E731
    templates = [r[0] for r in _sql(conn, "SELECT id FROM project ORDER BY id")]
    in_review = [t for t in templates if one(f"SELECT count(*) FROM stage_review WHERE project_id = {t} "
                                             "AND state = 'in_review'")]
    drafts = [t for t in templates if t not in in_review]
    # 2 projects in 100 have a stage in review (one of them after a decided stage with a condition), the
    # other 98 are drafts: a committee's queue is a small part of everything registered
    pick = (f"CASE WHEN g % 100 = 0 THEN {in_review[0]} WHEN g % 100 = 1 THEN {in_review[1]} "
            f"ELSE (ARRAY{drafts})[1 + g % {len(drafts)}] END")
    p0, s0, r0, u0 = (one(f'SELECT coalesce(max(id), 0) FROM "{t}"')
                      for t in ("project", "stage_review", "submission_round", "user"))
    owner = one("SELECT owner_id FROM project ORDER BY id LIMIT 1")
    owners = max(n // 20, 1)  # about 20 projects each
    _sql(conn, f"CREATE TEMP TABLE bench_map AS SELECT g, {p0} + g AS id, {pick} AS template "
                         f"FROM generate_series(1, {n}) g")
    _clone(conn, "user", f'FROM "user" t CROSS JOIN generate_series(1, {owners - 1}) g WHERE t.id = {owner}',
           {"id": f"{u0} + g", "email": "'owner' || g || '@bench.example'", "name": "'Owner ' || g"})
    _clone(conn, "project", "FROM bench_map m JOIN project t ON t.id = m.template",
           {"id": "m.id",
            "name": "CASE WHEN m.g % 100 = 50 THEN 'Credit scoring ' || m.g ELSE t.name || ' ' || m.g END",
            "owner_id": f"CASE WHEN m.g % {owners} = 0 THEN t.owner_id ELSE {u0} + m.g % {owners} END",
            "updated_at": f"now() - (({n} - m.g) || ' minutes')::interval",
            "created_at": f"now() - (({n} - m.g) || ' minutes')::interval"})
    stage_id = f"{s0} + (m.g - 1) * {STAGE_SLOTS} + t.position"
    _clone(conn, "stage_review", "FROM bench_map m JOIN stage_review t ON t.project_id = m.template",
           {"id": stage_id, "project_id": "m.id"})
    _clone(conn, "submission_round", "FROM bench_map m JOIN stage_review s ON s.project_id = m.template "
           "JOIN submission_round t ON t.stage_review_id = s.id",
           {"id": f"{r0} + ((m.g - 1) * {STAGE_SLOTS} + s.position) * {ROUND_SLOTS} + t.number",
            "stage_review_id": f"{s0} + (m.g - 1) * {STAGE_SLOTS} + s.position",
            "submitted_at": f"t.submitted_at - (({n} - m.g) || ' minutes')::interval"})
    _clone(conn, "condition", "FROM bench_map m JOIN stage_review s ON s.project_id = m.template "
           'JOIN "condition" t ON t.stage_review_id = s.id',
           {"id": None, "stage_review_id": f"{s0} + (m.g - 1) * {STAGE_SLOTS} + s.position",
            "owner_id": "(SELECT owner_id FROM project WHERE id = m.id)"})
    h = one("SELECT coalesce(max(seq), 0) FROM audit_event")
    # 5 events a project, the newest last; one in 1,000 a security alert (in the last week for the newest)
    _sql(conn,
        "INSERT INTO audit_event (seq, created_at, actor_id, actor_name, action, object_type, object_id, payload, "
        "prev_hash, entry_hash, entry_mac) "
        f"SELECT {h} + i, now() - (({5 * n} - i) || ' seconds')::interval, NULL, 'bench', "
        "CASE WHEN i % 1000 = 0 THEN 'security.alert' ELSE 'project.updated' END, 'project', "
        f"({p0} + 1 + i / 5)::text, '{{}}', repeat('0', 64), md5(i::text) || md5('x' || i), NULL "
        f"FROM generate_series(1, {5 * n}) i")
    for table in ("user", "project", "stage_review", "submission_round", "condition"):
        _sql(conn, f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                             f'(SELECT max(id) FROM "{table}"))')
    _sql(conn, "DROP TABLE bench_map")


# --- the queries, before and after ------------------------------------------------------------------

def _old_queue_query(reviewer):
    """reviews.services.queue_query before the change: an aggregate over every submission round."""
    from sqlalchemy import exists, func, select
    from sqlalchemy.orm import contains_eager, selectinload

    from reviewboard.auth.models import Role
    from reviewboard.committee.models import ConflictDeclaration
    from reviewboard.pipelines.models import PipelineStage
    from reviewboard.projects.models import Project, ProjectMember
    from reviewboard.reviews.models import ReviewAssignment, SignOff, StageReview, SubmissionRound
    from reviewboard.reviews.workflow import StageState

    last_round = (select(SubmissionRound.stage_review_id, func.max(SubmissionRound.submitted_at).label("at"))
                  .group_by(SubmissionRound.stage_review_id).subquery())
    stmt = (select(StageReview, last_round.c.at).join(Project, StageReview.project_id == Project.id)
            .join(PipelineStage, StageReview.pipeline_stage_id == PipelineStage.id)
            .join(last_round, last_round.c.stage_review_id == StageReview.id)
            .where(StageReview.state == StageState.IN_REVIEW)
            .where(Project.owner_id != reviewer.id)
            .where(~Project.id.in_(select(ProjectMember.project_id).where(ProjectMember.user_id == reviewer.id))))
    if not reviewer.has_role(Role.CHAIR):
        assigned_any = select(ReviewAssignment.stage_review_id)
        assigned_me = select(ReviewAssignment.stage_review_id).where(ReviewAssignment.reviewer_id == reviewer.id)
        stmt = stmt.where((~StageReview.id.in_(assigned_any)) | StageReview.id.in_(assigned_me))
    stmt = stmt.where(~exists().where(ConflictDeclaration.stage_review_id == StageReview.id,
                                      ConflictDeclaration.round_number == StageReview.round_number,
                                      ConflictDeclaration.reviewer_id == reviewer.id, ConflictDeclaration.has_conflict))
    stmt = stmt.where(~exists().where(SubmissionRound.stage_review_id == StageReview.id,
                                      SubmissionRound.number == StageReview.round_number,
                                      SignOff.round_id == SubmissionRound.id, SignOff.reviewer_id == reviewer.id))
    stmt = stmt.options(contains_eager(StageReview.project), contains_eager(StageReview.pipeline_stage),
                        selectinload(StageReview.rounds).selectinload(SubmissionRound.signoffs))
    return stmt.order_by(last_round.c.at.asc(), StageReview.id.asc())


def _old_listed(stmt):
    from sqlalchemy.orm import joinedload, selectinload

    from reviewboard.projects.models import Project
    from reviewboard.reviews.models import StageReview

    return stmt.options(joinedload(Project.owner), selectinload(Project.stages).joinedload(StageReview.pipeline_stage))


def _old_count(stmt):
    from sqlalchemy import func, select

    return select(func.count()).select_from(stmt.order_by(None).subquery())


def _new_count(stmt, page, in_order=False, parts=None):
    """The bounded count as the page runs it (reviewboard.core.pagination.count_statement): the projects search's
    counts the names' matches, then the purposes' (``parts``, each limited), not the one OR over both."""
    from reviewboard.core.pagination import count_statement

    return count_statement(stmt, page, PER_PAGE, count_in_order=in_order, count_parts=parts)


def queries(before: bool, reviewer, chair, submitter) -> dict:
    """name -> statement, as the pages run them (each page: its count, then its rows)."""
    from datetime import timedelta

    from sqlalchemy import select

    from reviewboard.audit.models import AuditCheckpoint, AuditEvent
    from reviewboard.conditions import services as condition_services
    from reviewboard.core.dashboard import _newest_records
    from reviewboard.core.pagination import _page_of
    from reviewboard.inventory.services import InventoryFilter, inventory_query
    from reviewboard.models.base import utcnow
    from reviewboard.projects.models import Project
    from reviewboard.projects.permissions import search_count_parts, visible_projects_query
    from reviewboard.projects.services import list_columns, listed
    from reviewboard.projects.tiering import Tier
    from reviewboard.reviews import services as review_services

    queue = _old_queue_query(reviewer) if before else review_services.queue_query(reviewer)
    lst = _old_listed if before else listed
    count = (lambda s, _page: _old_count(s)) if before else _new_count
    shown = _old_listed if before else list_columns  # the projects list reads only the columns it shows
    projects = shown(visible_projects_query(chair))
    search = shown(visible_projects_query(chair, SEARCH))
    alerts = (select(AuditEvent).where(AuditEvent.action == "security.alert",
                                       AuditEvent.created_at >= utcnow() - timedelta(days=7))
              .order_by(*([] if before else [AuditEvent.created_at.desc()]), AuditEvent.seq.desc()).limit(10))
    return {
        "queue count": _old_count(queue) if before else _new_count(queue, 1, in_order=True),
        "queue page 1": queue.limit(PER_PAGE),
        "projects count": count(projects, 1),
        "projects page 1": projects.limit(PER_PAGE),
        f"projects count p{DEEP_PAGE}": count(projects, DEEP_PAGE),
        f"projects page {DEEP_PAGE}": projects.limit(PER_PAGE).offset((DEEP_PAGE - 1) * PER_PAGE) if before
        else _page_of(projects, DEEP_PAGE, PER_PAGE, Project.id),  # the ids first, from the order index
        "search count": count(search, 1) if before else _new_count(search, 1, parts=search_count_parts(chair, SEARCH)),
        "search page 1": search.limit(PER_PAGE),
        "dash: projects": lst(visible_projects_query(chair)).limit(8),
        "dash: own projects": lst(visible_projects_query(submitter)).limit(8),
        "dash: queue": queue.limit(5),
        "dash: escalations": select(Project).where(Project.tier == Tier.PROHIBITED,
                                                   Project.escalation_cleared_by_id.is_(None)),
        "dash: security alerts": alerts,
        "dash: conditions": condition_services.visible_query(submitter).limit(8),
        "dash: chair conditions": condition_services.visible_query(chair).limit(8),
        "dash: newest records": _newest_records(),  # the dashboard's own statement
        "dash: reviews due": _reviews_due(chair),
        "audit: newest checkpoint": select(AuditCheckpoint.seq, AuditCheckpoint.created_at)
        .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1),
        "inventory page 1": inventory_query(chair, InventoryFilter()).limit(PER_PAGE),
        "inventory by tier": inventory_query(chair, InventoryFilter(sort="tier", desc=False)).limit(PER_PAGE),
    }


def _reviews_due(user):
    from sqlalchemy import select

    from reviewboard.projects.models import Project
    from reviewboard.projects.permissions import visible_projects_query
    from reviewboard.reviews.models import StageReview

    visible = visible_projects_query(user).with_only_columns(Project.id).order_by(None)
    return (select(StageReview).where(StageReview.project_id.in_(visible), StageReview.next_review_on.is_not(None))
            .order_by(StageReview.next_review_on, StageReview.id).limit(10))


def measure(session, stmts: dict, repeat: int, explain: bool) -> dict:
    out = {}
    for name, stmt in stmts.items():
        compiled = stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
        sql, params = str(compiled), compiled.params
        conn = session.connection()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            conn.exec_driver_sql(sql, params).fetchall()
            times.append(time.perf_counter() - t0)
        plan = ""
        if explain:
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params))
        out[name] = {"ms": round(statistics.median(times) * 1000, 2), "plan": plan}
    return out


def _drop_list_indexes(conn) -> None:
    from migrations_list_indexes import INDEXES  # type: ignore[import-not-found]

    for name, _table, _columns in INDEXES:
        conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{name}"')
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_project_search")


def _create_list_indexes(conn) -> None:
    from migrations_list_indexes import INDEXES  # type: ignore[import-not-found]

    for name, table, columns in INDEXES:
        conn.exec_driver_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({", ".join(columns)})')
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_project_search ON project USING gin "
                         "(lower(name) gin_trgm_ops, lower(purpose) gin_trgm_ops)")


PAGES = {"reviewer": ["/queue"], "chair": ["/dashboard", "/projects", f"/projects?page={DEEP_PAGE}",
                                          "/projects?q=credit+scoring"]}


def time_pages(app, emails: dict, repeat: int) -> dict:
    """Median time of each page through the app (in-process, one request at a time), with the new code."""
    from tests.support.http import login

    out = {}
    for role, paths in PAGES.items():
        client = app.test_client()
        login(client, emails[role])
        for path in paths:
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (path, response.status_code)
            out[path] = round(statistics.median(times) * 1000, 1)
            print(f"    page   {role:<9} {path:<28} {out[path]:8.1f} ms", flush=True)
    return out


def bench_size(tmp: Path, keys: Path, n: int, repeat: int, explain: bool) -> dict:
    from reviewboard.auth.models import User
    from reviewboard.extensions import db
    from tests.support.factories import Factory

    with fresh_database("postgresql", tmp, "scale") as url:
        app = make_app(url, tmp, keys)
        prepare_schema(app)
        with stand_in_records(), app.app_context():
            people = _seed_templates(Factory(db.session))
            ids = [p.id for p in people]
            t0 = time.perf_counter()
            seed(db.session.connection(), n - 20)
            db.session.commit()
            seeded = time.perf_counter() - t0
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            print(f"  {n} projects seeded by SQL in {seeded:.1f} s", flush=True)
            result = {"projects": n, "seed_s": round(seeded, 1)}
            for label, before in (("before", True), ("after", False)):
                conn = db.session.connection()
                (_drop_list_indexes if before else _create_list_indexes)(conn)
                conn.exec_driver_sql("ANALYZE")
                reviewer, chair, submitter = (db.session.get(User, i) for i in ids)
                result[label] = measure(db.session, queries(before, reviewer, chair, submitter), repeat, explain)
                db.session.commit()
                for name, row in result[label].items():
                    print(f"    {label:<6} {name:<26} {row['ms']:9.2f} ms", flush=True)
            emails = {"reviewer": db.session.get(User, ids[0]).email, "chair": db.session.get(User, ids[1]).email}
            db.session.remove()
        result["pages"] = time_pages(app, emails, repeat)  # each request in its own app context
        with app.app_context():
            db.engine.dispose()
    return result


def main() -> int:
    import importlib.util
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="numbers of projects, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--plans", action="store_true", help="print every EXPLAIN (ANALYZE) (else in the JSON)")
    args = parser.parse_args()
    if not postgres_available():
        print("List queries at scale: skipped, PostgreSQL is not reachable (this benchmark needs it).")
        return 0
    migration = next((ROOT / "migrations" / "versions").glob("*_a1c0ffee5ca1_list_indexes.py"))
    spec = importlib.util.spec_from_file_location("migrations_list_indexes", migration)
    sys.modules["migrations_list_indexes"] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(tmp)
        keys = _keys(tmp)
        for n in sizes:
            print(f"List queries with {n} projects (median of {args.repeat}):", flush=True)
            results.append(bench_size(tmp, keys, n, args.repeat, not args.no_explain))
    small, large = results[0], results[-1]
    print(f"Ratio of the time at {large['projects']} to the time at {small['projects']} projects "
          "(flat: about 1):")
    for name in small["after"]:
        b = large["before"][name]["ms"] / max(small["before"][name]["ms"], 0.01)
        a = large["after"][name]["ms"] / max(small["after"][name]["ms"], 0.01)
        print(f"  {name:<26} before {b:8.1f}x ({large['before'][name]['ms']:9.2f} ms)   "
              f"after {a:6.1f}x ({large['after'][name]['ms']:8.2f} ms)")
    print(f"Pages (in-process, median of {args.repeat}):")
    for path, ms in large["pages"].items():
        print(f"  {path:<28} {small['pages'][path]:7.1f} ms at {small['projects']}   {ms:7.1f} ms at "
              f"{large['projects']}   ratio {ms / max(small['pages'][path], 0.01):5.2f}")
    if args.plans:
        for r in results:
            for label in ("before", "after"):
                for name, row in r[label].items():
                    print(f"\n--- {r['projects']} projects, {label}, {name}\n{row['plan']}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "list_scale.json").write_text(json.dumps(results, indent=2))
    print(f"Wrote {out / 'list_scale.json'} (with every EXPLAIN ANALYZE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
