"""ReviewBoard benchmarks (not tests): `make bench`.

1. Render + sign time of a record for each stage of a project taken through the whole default
   pipeline (two reviewers per stage), on SQLite. WeasyPrint against a warm Chromium on one record's HTML and
   the signing time alone: bench/render_sign.py (`make bench` runs it next).
2. `audit verify` over 100,000 events, on SQLite and (when reachable) PostgreSQL; target <= 10 s.
3. Busy committee: with N stages in review (default 300, each with a condition-bearing approved stage
   before it on every tenth project), the median time and the SQL statement count of the pages a reviewer
   and a chair open all day (queue, dashboard, projects, conditions) and of building the daily digests.
   The statement count does not depend on the machine: it must not grow with N (no N+1 queries).

Figures are printed and written to bench/results/latest.json. The machine is shared and noisy:
compare ratios, and repeat (--repeat N) for the median.
"""

from __future__ import annotations

import argparse
import contextlib
import json
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

from tests.conftest import make_app, prepare_schema  # noqa: E402
from tests.support.databases import fresh_database, postgres_available  # noqa: E402


def _keys(tmp: Path) -> Path:
    from reviewboard.audit.anchors import init_mac_key
    from reviewboard.records.keys import init_keys

    keys = tmp / "keys"
    keys.mkdir()
    init_keys(keys, "Bench Organisation")
    init_mac_key(keys / "audit-mac.key")
    return keys


def bench_records(tmp: Path, keys: Path) -> list[dict]:
    from reviewboard.extensions import db
    from reviewboard.projects import services
    from reviewboard.records.models import Record
    from reviewboard.reviews.lifecycle import submit_stage
    from tests.support.factories import Factory

    app = make_app(f"sqlite:///{tmp / 'records.db'}", tmp, keys)
    prepare_schema(app)
    rows = []
    with app.app_context():
        make = Factory(db.session)
        project = make.project(data_categories=["personal"], answers={"affects_rights": "yes"})  # high tier
        reviewers = make.reviewers()
        for stage in project.stages:
            for i, criterion in enumerate(stage.applicable_criteria()[:4]):
                services.add_evidence(project.owner, stage, criterion.id, f"evidence-{i}.md", b"# evidence\n" * 50)
            submit_stage(project.owner, stage, "", stage.version)
            for reviewer in reviewers:
                make.sign(reviewer, stage)
            db.session.commit()
            record = db.session.scalars(db.select(Record).where(Record.stage_review_id == stage.id)).one()
            rows.append({"stage": stage.name, "criteria": len(stage.applicable_criteria()),
                         "render_and_sign_s": record.render_seconds, "pdf_bytes": record.pdf_size})
            print(f"  record {stage.name:<11} {len(stage.applicable_criteria()):>3} criteria  "
                  f"{record.render_seconds:6.2f} s  {record.pdf_size:>8} bytes", flush=True)
        return rows


def _fill_events(n: int) -> None:
    """Insert n chained events fast (bulk), exactly as record_event would hash them."""
    from reviewboard.audit import anchors
    from reviewboard.audit.models import AuditEvent
    from reviewboard.audit.services import GENESIS_HASH, audit_head, canonical, chain_hash
    from reviewboard.extensions import db
    from reviewboard.models.base import utcnow

    head = audit_head()
    prev = head["hash"] if head["seq"] else GENESIS_HASH
    key = anchors.mac_key()
    now = utcnow()
    batch = []
    for seq in range(head["seq"] + 1, head["seq"] + n + 1):
        body = {"seq": seq, "at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor_id": None, "actor_name": "bench",
                "action": "bench.event", "object": {"type": "bench", "id": str(seq)}, "before": None,
                "after": {"n": seq}, "reason": None, "request_id": None}
        payload = canonical(body)
        entry = chain_hash(prev, payload)
        batch.append({"seq": seq, "created_at": now, "actor_id": None, "actor_name": "bench",
                      "action": "bench.event", "object_type": "bench", "object_id": str(seq), "payload": payload,
                      "prev_hash": prev, "entry_hash": entry, "entry_mac": anchors.entry_mac(key, entry)})
        prev = entry
        if len(batch) == 5000:
            db.session.execute(AuditEvent.__table__.insert(), batch)
            batch = []
    if batch:
        db.session.execute(AuditEvent.__table__.insert(), batch)
    db.session.commit()


def bench_audit(engine: str, tmp: Path, keys: Path, n: int, repeat: int) -> dict:
    from reviewboard.audit.services import verify_chain
    from reviewboard.extensions import db

    with fresh_database(engine, tmp, "bench") as url:
        app = make_app(url, tmp, keys)
        prepare_schema(app)
        with app.app_context():
            t0 = time.perf_counter()
            _fill_events(n)
            fill = time.perf_counter() - t0
            times = []
            for _ in range(repeat):
                db.session.remove()
                t0 = time.perf_counter()
                result = verify_chain()
                times.append(time.perf_counter() - t0)
                assert result.ok, result.reason
            db.session.remove()
            db.engine.dispose()
        median = statistics.median(times)
        print(f"  audit verify {engine:<10} {result.checked:>7} events  median {median:5.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}; insert {fill:.1f} s)", flush=True)
        return {"engine": engine, "events": result.checked, "verify_median_s": round(median, 3),
                "verify_runs_s": [round(t, 3) for t in times], "target_s": 10}


def _count_statements(engine):
    from sqlalchemy import event

    counter = {"n": 0}

    def before(*_args, **_kw):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    return counter, lambda: event.remove(engine, "before_cursor_execute", before)


@contextlib.contextmanager
def stand_in_records():
    """Records are issued as in production only where a stage is decided: that is bench 1's business; when
    seeding, a stand-in for the render and the signature keeps it quick."""
    from reviewboard.records import pdf as record_pdf
    from reviewboard.records import services as record_services

    real = record_pdf.render_record_pdf, record_services.sign_pdf
    record_pdf.render_record_pdf = lambda data, **_k: f"%PDF-1.7 {data['record_id']}".encode()
    record_services.sign_pdf = lambda unsigned, *_a, **_k: unsigned
    try:
        yield
    finally:
        record_pdf.render_record_pdf, record_services.sign_pdf = real


def _seed_busy_committee(make, n: int):
    from datetime import timedelta

    from reviewboard.models.base import utcnow
    from reviewboard.reviews import lifecycle
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.workflow import Outcome

    owners = [make.user("submitter") for _ in range(max(n // 10, 1))]
    reviewers = make.reviewers(6)
    chair = make.user("chair")
    for i in range(n):
        owner = owners[i % len(owners)]
        project = make.project(owner)
        stage = project.stages[0]
        make.evidence(stage, actor=owner)
        lifecycle.submit_stage(owner, stage, "", stage.version)
        if i % 10 == 0:  # decided with a condition; the next stage is in review
            due = (utcnow() + timedelta(days=10)).date()
            make.sign(reviewers[0], stage, Outcome.APPROVE_WITH_CONDITIONS,
                      conditions=[reviews.ConditionEntry("Publish the model card.", owner.id, due)])
            make.sign(reviewers[1], stage)
            following = project.stages[1]
            make.evidence(following, actor=owner)
            lifecycle.submit_stage(owner, following, "", following.version)
        if i % 50 == 49:
            make.session.commit()
            print(f"    seeded {i + 1}/{n} projects", flush=True)
    make.session.commit()
    return reviewers[2], chair, owners[0]


def bench_pages(engine: str, tmp: Path, keys: Path, n: int, repeat: int) -> dict:
    """Median time and statement count of the everyday pages with ``n`` stages in review."""
    from reviewboard.extensions import db
    from reviewboard.models.base import utcnow
    from reviewboard.notify.digest import build_digests
    from tests.support.factories import Factory
    from tests.support.http import login

    pages = {"reviewer": ["/queue", "/queue?status=all", "/dashboard"], "chair": ["/dashboard", "/projects"],
             "submitter": ["/dashboard", "/conditions"]}
    with fresh_database(engine, tmp, "pages") as url:
        app = make_app(url, tmp, keys)
        prepare_schema(app)
        with stand_in_records(), app.app_context():
            reviewer, chair, submitter = _seed_busy_committee(Factory(db.session), n)
            people = {"reviewer": reviewer.email, "chair": chair.email, "submitter": submitter.email}
            db.session.remove()
        rows = []
        with app.app_context():
            engine_obj = db.engine
        counter, stop = _count_statements(engine_obj)
        # requests run outside any app context of ours: each gets its own, as in production
        for role, paths in pages.items():
            client = app.test_client()
            login(client, people[role])
            for path in paths:
                times, counts = [], []
                for _ in range(repeat):
                    counter["n"] = 0
                    t0 = time.perf_counter()
                    response = client.get(path)
                    times.append(time.perf_counter() - t0)
                    counts.append(counter["n"])
                    assert response.status_code == 200, (path, response.status_code)
                rows.append({"role": role, "path": path, "median_ms": round(statistics.median(times) * 1000, 1),
                             "statements": max(counts)})
                print(f"  {engine:<10} {role:<9} {path:<18} median {rows[-1]['median_ms']:7.1f} ms  "
                      f"{rows[-1]['statements']:>4} SQL statements", flush=True)
        with app.app_context():
            counter["n"] = 0
            t0 = time.perf_counter()
            digests = build_digests(utcnow().date())
            took = time.perf_counter() - t0
            rows.append({"role": "cron", "path": "build_digests", "median_ms": round(took * 1000, 1),
                         "statements": counter["n"], "digests": sum(1 for d in digests if d.items)})
            print(f"  {engine:<10} cron      build_digests      once   {took * 1000:7.1f} ms  "
                  f"{counter['n']:>4} SQL statements ({rows[-1]['digests']} digests)", flush=True)
            stop()
            db.session.remove()
            db.engine.dispose()
    return {"engine": engine, "stages_in_review": n, "pages": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", type=int, default=300, help="stages in review for the page benchmark")
    parser.add_argument("--only", choices=["records", "audit", "pages"], help="run one benchmark")
    args = parser.parse_args()
    results: dict = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(tmp)
        keys = _keys(tmp)
        engines = ["sqlite"] + (["postgresql"] if postgres_available() else [])
        if args.only in (None, "records"):
            print("Render + sign, one record per stage (high tier, 2 reviewers):", flush=True)
            results["records"] = bench_records(tmp, keys)
        if args.only in (None, "audit"):
            print(f"Audit trail verification ({args.events} events):", flush=True)
            results["audit_verify"] = [bench_audit(e, tmp / e, keys, args.events, args.repeat)
                                       for e in engines if (tmp / e).mkdir(exist_ok=True) is None]
        if args.only in (None, "pages"):
            print(f"Everyday pages with {args.stages} stages in review (median of {args.repeat}):", flush=True)
            results["pages"] = [bench_pages(e, tmp / f"pages-{e}", keys, args.stages, args.repeat)
                                for e in engines if (tmp / f"pages-{e}").mkdir() is None]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"Wrote {out / 'latest.json'}")
    slow = [r for r in results.get("audit_verify", []) if r["verify_median_s"] > 10]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
