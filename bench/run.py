"""ReviewBoard benchmarks (not tests): `make bench`.

1. Render + sign time of a record for each stage of a project taken through the whole default
   pipeline (two reviewers per stage), on SQLite.
2. `audit verify` over 100,000 events, on SQLite and (when reachable) PostgreSQL; target <= 10 s.

Figures are printed and written to bench/results/latest.json. The machine is shared and noisy:
compare ratios, and repeat (--repeat N) for the median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

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
    from reviewboard.records.models import Record
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
                from reviewboard.projects import services

                services.add_evidence(project.owner, stage, criterion.id, f"evidence-{i}.md", b"# evidence\n" * 50)
            services.submit_stage(project.owner, stage, "", stage.version)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results: dict = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        os.environ["REVIEWBOARD_INSTANCE_PATH"] = str(tmp)
        keys = _keys(tmp)
        print("Render + sign, one record per stage (high tier, 2 reviewers):", flush=True)
        results["records"] = bench_records(tmp, keys)
        print(f"Audit trail verification ({args.events} events):", flush=True)
        engines = ["sqlite"] + (["postgresql"] if postgres_available() else [])
        results["audit_verify"] = [bench_audit(e, tmp / e, keys, args.events, args.repeat)
                                   for e in engines if (tmp / e).mkdir() is None]
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"Wrote {out / 'latest.json'}")
    slow = [r for r in results["audit_verify"] if r["verify_median_s"] > 10]
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
