"""The deciding sign-off POST's time (not a test): `python bench/deciding_post.py [--repeat 5]`.

Each round commits a stage in review with one reviewer's signature and the second reviewer's verdicts, then
times the second reviewer's signing POST (the one that completes the quorum) through the app's test client,
with real rendering and signing. Prints the median per engine (SQLite, and PostgreSQL when reachable). Jobs
stay in the outbox (JOBS_MODE=outbox): the request's own work, as with a worker elsewhere; a checkout from
before the job queue ignores the setting and renders inside the request.
"""

from __future__ import annotations

import argparse
import json
import logging
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
from tests.support.factories import PASSWORD, Factory  # noqa: E402
from tests.support.http import login, token_for  # noqa: E402


def _keys(tmp: Path) -> Path:
    from reviewboard.audit.anchors import init_mac_key
    from reviewboard.records.keys import init_keys

    keys = tmp / "keys"
    keys.mkdir(parents=True)
    init_keys(keys, "Bench Organisation")
    init_mac_key(keys / "audit-mac.key")
    return keys


def deciding_post_seconds(engine: str, repeat: int, tmp: Path) -> list[float]:
    from reviewboard.extensions import db

    with fresh_database(engine, tmp, f"decide_{engine}") as url:
        app = make_app(url, tmp, _keys(tmp / engine), JOBS_MODE="outbox")
        prepare_schema(app)
        logging.getLogger("reviewboard").setLevel(logging.WARNING)  # no access-log line per request
        times = []
        for _ in range(repeat + 1):  # the first round warms fonts, keys and the pools
            with app.app_context():
                stage, second = Factory(db.session).one_signature_short()
                db.session.commit()
                stage_id, email = stage.id, second.email
                fields = {f"v_{c.id}": "meets" for c in stage.applicable_criteria()}
                db.session.remove()
            client = app.test_client()
            login(client, email)
            token = token_for(client, f"/stages/{stage_id}")
            data = {**fields, "csrf_token": token, "outcome": "approve", "email": email, "password": PASSWORD,
                    "sign": "Sign decision"}
            started = time.perf_counter()
            response = client.post(f"/stages/{stage_id}/review", data=data)
            times.append(time.perf_counter() - started)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return times[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engines = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    result = {}
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            times = deciding_post_seconds(engine, args.repeat, Path(tmp))
        result[engine] = {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times]}
        print(f"{engine:<11} deciding POST median {statistics.median(times) * 1000:7.1f} ms over {len(times)}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
