# ruff: noqa: S608  (the SQL below is composed of integers and table names, never of input)
"""Committee metrics at scale, on PostgreSQL: `python bench/metrics_scale.py --sizes 1000,1000000`.

For each size a database is seeded as bench/list_scale.py seeds it (N projects cloned by set-based SQL:
stages, rounds, conditions; 2 in 100 with a stage in review, one of them after a decided stage with a
condition), then given a committee's activity (`seed_activity`): the clones' decisions, sign-offs, stages in
review and conditions' due dates spread over the seeded span like their submissions (one project a minute, the
newest now, so at a million the default period holds about half of them), two sign-offs per decided round, and for
every stage in review a decision due 30 days after its submission, an assignment and a conflict declaration (one
in five a recusal). Each statement group of /metrics (reviewboard.metrics.services) is timed over the default
period (the twelve months to today), median of --repeat, then the whole page through the app as a chair (its
charts drawn anew, and as a repeated view finds them drawn); the last table gives each figure at the largest size
divided by its figure at the smallest, and the EXPLAIN (ANALYZE, BUFFERS) of the slowest group's statements at
the largest size.

Seeding a million projects takes a while: `--keep` keeps each database (`<db-prefix>_<N>`), `--reuse` uses a kept
one (it is migrated to head first, so new indexes are built on it), and `dropdb <db-prefix>_<N>` removes it.
"""

from __future__ import annotations

import argparse
import os
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

from bench.list_scale import _clone, _seed_templates, _sql, seed  # noqa: E402
from bench.run import _keys, stand_in_records  # noqa: E402
from tests.conftest import make_app, prepare_schema  # noqa: E402
from tests.support.databases import (  # noqa: E402
    create_pg_database,
    drop_pg_database,
    postgres_available,
    postgres_url,
)


def _timed(fn, repeat: int) -> tuple[float, float]:
    """The median and the fastest of ``repeat`` runs, in ms (on a shared machine the fastest shows the work itself,
    the median what a user waits)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1), round(min(times) * 1000, 1)


def seed_activity(conn, n: int, p0: int) -> None:
    """The clones' (projects after id ``p0``) decisions and current submissions spread like their rounds', and the
    committee's sign-offs, assignments and declarations on them (see the module's docstring)."""
    one = lambda sql: _sql(conn, sql).scalar()  # noqa: E731
    shift = f"(({n} - (s.project_id - {p0})) || ' minutes')::interval"
    _sql(conn, f"UPDATE submission_round r SET decided_at = r.decided_at - {shift} FROM stage_review s "
               f"WHERE s.id = r.stage_review_id AND s.project_id > {p0} AND r.decided_at IS NOT NULL")
    _sql(conn, f'UPDATE "condition" c SET due_date = c.due_date - ({n} - (s.project_id - {p0})) / 1440 '
               f"FROM stage_review s WHERE s.id = c.stage_review_id AND s.project_id > {p0}")
    _sql(conn, f"UPDATE stage_review s SET submitted_at = s.submitted_at - {shift}, "
               f"due_at = s.submitted_at - {shift} + interval '30 days' "
               f"WHERE s.state = 'in_review' AND s.project_id > {p0}")
    last = one("SELECT max(id) FROM signoff")
    _clone(conn, "signoff", "FROM signoff t JOIN submission_round r ON r.decided_at IS NOT NULL "
           f"JOIN stage_review s ON s.id = r.stage_review_id AND s.project_id > {p0}",
           {"id": None, "round_id": "r.id", "signed_at": "r.decided_at"}, f"WHERE t.id <= {last}")
    reviewers = [r[0] for r in _sql(conn, "SELECT DISTINCT reviewer_id FROM signoff ORDER BY 1")]
    chair = one("SELECT user_id FROM user_role WHERE role = 'chair' ORDER BY user_id LIMIT 1")
    pick = f"(ARRAY{reviewers})[1 + s.id % {len(reviewers)}]"
    in_review = f"FROM stage_review s WHERE s.state = 'in_review' AND s.project_id > {p0}"
    _sql(conn, "INSERT INTO review_assignment (stage_review_id, reviewer_id, assigned_by_id, assigned_at) "
               f"SELECT s.id, {pick}, {chair}, s.submitted_at {in_review}")
    _sql(conn, "INSERT INTO conflict_declaration (stage_review_id, reviewer_id, round_number, has_conflict, "
               f"nature, declared_at) SELECT s.id, {pick}, s.round_number, s.project_id / 100 % 5 = 0, "
               f"CASE WHEN s.project_id / 100 % 5 = 0 THEN 'Advised the team' ELSE '' END, s.submitted_at {in_review}")


def _database(n: int, args, app_for) -> tuple[object, str]:
    """The app on the size's database (seeded unless --reuse finds it kept) and the chair's email."""
    from flask_migrate import upgrade

    from reviewboard.extensions import db
    from tests.support.factories import Factory

    name = f"{args.db_prefix}_{n}"
    url = postgres_url(name)
    if args.reuse and _exists(name):
        app = app_for(url)
        with app.app_context():
            t0 = time.perf_counter()
            upgrade()
            print(f"  reusing {name} (--reuse), migrated to head in {time.perf_counter() - t0:.1f} s", flush=True)
            email = db.session.execute(db.text(
                'SELECT u.email FROM "user" u JOIN user_role r ON r.user_id = u.id WHERE r.role = \'chair\' '
                "ORDER BY u.id LIMIT 1")).scalar()
            db.session.remove()
    else:
        drop_pg_database(name)
        create_pg_database(name)
        app = app_for(url)
        prepare_schema(app)
        with stand_in_records(), app.app_context():
            _reviewer, chair, _owner = _seed_templates(Factory(db.session))
            email = chair.email
            t0 = time.perf_counter()
            conn = db.session.connection()
            p0 = _sql(conn, "SELECT max(id) FROM project").scalar()
            seed(conn, n - 20)
            seed_activity(conn, n - 20, p0)
            db.session.commit()
            print(f"  {n} projects seeded by SQL in {time.perf_counter() - t0:.1f} s", flush=True)
            db.session.remove()
    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return app, email


def _exists(name: str) -> bool:
    import psycopg

    from tests.support.databases import PG_HOST

    with psycopg.connect(f"{PG_HOST}/postgres") as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _parts(m, f, names, now) -> dict:
    return {
        "decided: cycle, trend, outcomes, rounds": lambda: m.decided_rounds(f),
        "queue age now": lambda: m.queue_age(f, names, now),
        "decisions due in 14 days": lambda: m.decisions_due(f, now, now.date()),
        "conditions in period": lambda: m.conditions(f, names, now.date()),
        "open conditions now": lambda: m.open_conditions_now(f, now.date()),
        "reviewer workload": lambda: m.workload(f),
        "all metrics": lambda: m.committee_metrics(f, now),
    }


def explain(fn) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement ``fn`` runs (each is run twice: explained, then for real)."""
    from sqlalchemy import event

    from reviewboard.extensions import db

    plans: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plans.append("\n".join(r[0] for r in cursor.fetchall()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return "\n\n".join(plans)


def bench_size(tmp: Path, keys: Path, n: int, args) -> dict:
    from reviewboard.conditions.services import today
    from reviewboard.extensions import db
    from reviewboard.metrics import services as m
    from reviewboard.metrics.charts import _data_uri
    from reviewboard.metrics.filters import parse_filter
    from reviewboard.models.base import utcnow
    from tests.support.http import login

    app, email = _database(n, args, lambda url: make_app(url, tmp, keys))
    try:
        result: dict = {"projects": n}
        with app.app_context():
            f, _ = parse_filter({}, today())
            now = utcnow()
            names = dict(m.stages(f))
            parts = _parts(m, f, names, now)
            for name, fn in parts.items():
                result[name] = _timed(fn, args.repeat)
                print(f"    {name:<40} {result[name][0]:9.1f} ms (fastest {result[name][1]:.1f})", flush=True)
            slowest = max((k for k in parts if k != "all metrics"), key=lambda k: result[k][0])
            result["slowest"] = (slowest, explain(parts[slowest]))
            db.session.remove()
        client = app.test_client()
        login(client, email)
        assert client.get("/metrics").status_code == 200
        # each chart drawn anew (as on a first view, or after the numbers changed), then as a repeated view
        # finds them: reviewboard.metrics.charts keeps the charts it drew, keyed by their numbers
        result["page /metrics, charts drawn"] = _timed(lambda: (_data_uri.cache_clear(), client.get("/metrics")),
                                                       args.repeat)
        result["page /metrics, same numbers again"] = _timed(lambda: client.get("/metrics"), args.repeat)
        for k in ("page /metrics, charts drawn", "page /metrics, same numbers again"):
            print(f"    {k:<40} {result[k][0]:9.1f} ms (fastest {result[k][1]:.1f})", flush=True)
        with app.app_context():
            db.engine.dispose()
    finally:
        if not (args.keep or args.reuse):
            drop_pg_database(f"{args.db_prefix}_{n}")
    return result


def report(results: list[dict]) -> None:
    small, large = results[0], results[-1]
    keys = [k for k in small if k not in ("projects", "slowest")]
    print("\nmedian / fastest of each, in ms; the ratio of the largest size's to the smallest's")
    print(f"{'query':<42}" + "".join(f"{r['projects']:>18,}" for r in results)
          + (f"{'ratio':>16}" if len(results) > 1 else ""))
    for k in keys:
        ratio = (f"{large[k][0] / max(small[k][0], 0.1):9.2f} / {large[k][1] / max(small[k][1], 0.1):.2f}"
                 if len(results) > 1 else "")
        print(f"{k:<42}" + "".join(f"{r[k][0]:10.1f} / {r[k][1]:5.1f}" for r in results) + ratio)
    name, plan = large["slowest"]
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the slowest metric at {large['projects']:,} projects, {name}:\n{plan}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="numbers of projects, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the databases (<db-prefix>_<N>)")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep (no seeding)")
    parser.add_argument("--db-prefix", default="rb_benchmetrics", help="the kept databases' name prefix")
    parser.add_argument("--seed-only", action="store_true", help="seed (with --keep) and stop")
    args = parser.parse_args()
    if not postgres_available():
        print("Committee metrics at scale: skipped, PostgreSQL is not reachable (this benchmark needs it).")
        return 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(tmp)
        keys = _keys(tmp)
        results = []
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"Committee metrics with {n:,} projects (median of {args.repeat}):", flush=True)
            if args.seed_only:
                app, _email = _database(n, args, lambda url: make_app(url, tmp, keys))
                with app.app_context():
                    from reviewboard.extensions import db

                    db.engine.dispose()
                continue
            results.append(bench_size(tmp, keys, n, args))
        if results:
            report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
