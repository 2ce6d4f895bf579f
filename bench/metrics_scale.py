"""Committee metrics at scale, on PostgreSQL: `python bench/metrics_scale.py --sizes 1000,1000000`.

For each size a fresh database is seeded as bench/list_scale.py seeds it (N projects cloned by set-based SQL:
stages, rounds, conditions; 2 in 100 with a stage in review, one of them after a decided stage with a
condition). Then each metric of /metrics (reviewboard.metrics.services) is timed over the default period
(the twelve months to today), median of --repeat, and the whole page through the app as a chair.
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

from bench.list_scale import _seed_templates, seed  # noqa: E402
from bench.run import _keys, stand_in_records  # noqa: E402
from tests.conftest import make_app, prepare_schema  # noqa: E402
from tests.support.databases import fresh_database, postgres_available  # noqa: E402


def _timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1)


def bench_size(tmp: Path, keys: Path, n: int, repeat: int) -> dict:
    from reviewboard.auth.models import User
    from reviewboard.conditions.services import today
    from reviewboard.extensions import db
    from reviewboard.metrics import services as m
    from reviewboard.metrics.filters import parse_filter
    from reviewboard.models.base import utcnow
    from tests.support.factories import Factory
    from tests.support.http import login

    with fresh_database("postgresql", tmp, "metrics") as url:
        app = make_app(url, tmp, keys)
        prepare_schema(app)
        with stand_in_records(), app.app_context():
            _reviewer, chair, _owner = _seed_templates(Factory(db.session))
            t0 = time.perf_counter()
            seed(db.session.connection(), n - 20)
            db.session.commit()
            print(f"  {n} projects seeded by SQL in {time.perf_counter() - t0:.1f} s", flush=True)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            f, _ = parse_filter({}, today())
            now = utcnow()
            names = dict(m.stages(f))
            parts = {
                "cycle time (median, p90)": lambda: m.cycle_times(f, names),
                "cycle trend by month": lambda: m.cycle_trend(f, names),
                "queue age now": lambda: m.queue_age(f, names, now),
                "decisions due in 14 days": lambda: m.decisions_due(f, now, now.date()),
                "outcomes by stage, tier": lambda: m.outcomes(f, names),
                "rounds per stage": lambda: m.rounds_per_stage(f, names),
                "conditions in period": lambda: m.conditions(f, names, now.date()),
                "open conditions now": lambda: m.open_conditions_now(f, now.date()),
                "reviewer workload": lambda: m.workload(f),
                "all metrics": lambda: m.committee_metrics(f, now),
            }
            result = {"projects": n}
            for name, fn in parts.items():
                result[name] = _timed(fn, repeat)
                print(f"    {name:<28} {result[name]:9.1f} ms", flush=True)
            email = db.session.get(User, chair.id).email
            db.session.remove()
        client = app.test_client()
        login(client, email)
        result["page /metrics"] = _timed(lambda: client.get("/metrics"), repeat)
        print(f"    {'page /metrics (in-process)':<28} {result['page /metrics']:9.1f} ms", flush=True)
        with app.app_context():
            db.engine.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="numbers of projects, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not postgres_available():
        print("Committee metrics at scale: skipped, PostgreSQL is not reachable (this benchmark needs it).")
        return 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(tmp)
        keys = _keys(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            print(f"Committee metrics with {n} projects (median of {args.repeat}):", flush=True)
            bench_size(tmp, keys, n, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
