"""Kill the server (SIGKILL) at random points during a stream of sign-offs and restart it: every
request answered with success is present, nothing half-written remains, the audit trail verifies and
SQLite's integrity check is ok.

``RB_CRASH_REQUESTS`` sign-off requests (default 500) with ``RB_CRASH_KILLS`` kills (default 20).
"""

from __future__ import annotations

import os
import random
import threading
import time

import pytest
import requests
from sqlalchemy import func, select, text

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import verify_chain
from reviewboard.extensions import db
from reviewboard.reviews.models import SignOff, StageReview
from tests.support.factories import PASSWORD, Factory
from tests.support.live_server import Server, sign_in

REQUESTS = int(os.environ.get("RB_CRASH_REQUESTS", "500"))
KILLS = int(os.environ.get("RB_CRASH_KILLS", "20"))

pytestmark = pytest.mark.slow


def test_sigkill_during_sign_offs_loses_nothing_acknowledged(committed_app, engine_name, tmp_path, signing_dir):
    started = time.monotonic()
    with committed_app.app_context():
        make = Factory(db.session)
        reviewer = make.user("reviewer")
        owner = make.user("submitter")  # one owner: a new account per stage costs an argon2 hash each
        stages = []
        for _ in range(REQUESTS):
            stage = make.submitted_stage(owner)
            make.verdicts(reviewer, stage)
            stages.append((stage.id, [c.id for c in stage.applicable_criteria()]))
        db.session.commit()
        email = reviewer.email
        db.session.remove()
    prepared = time.monotonic()
    server = Server.for_app(committed_app, tmp_path, signing_dir)
    server.start()
    rng = random.Random(1128)
    kill_at = set(rng.sample(range(5, REQUESTS - 5), KILLS))
    acknowledged, unknown = [], []
    http, token = sign_in(server.base, email)
    for i, (stage_id, criteria) in enumerate(stages):
        data = {"csrf_token": token, "outcome": "approve", "email": email, "password": PASSWORD,
                "sign": "Sign decision",
                **{f"v_{c}": "meets" for c in criteria}}
        if i in kill_at:
            # kill while this request is in flight (or just before it lands); the timer is bound to this
            # process: it must never kill a server restarted in the meantime
            threading.Timer(rng.uniform(0.0, 0.15), server.kill, args=(server.proc,)).start()
        try:
            response = http.post(f"{server.base}/stages/{stage_id}/review", data=data, allow_redirects=False,
                                 timeout=30)
            if response.status_code == 302:
                acknowledged.append(stage_id)
            else:
                unknown.append(stage_id)
        except requests.RequestException:
            unknown.append(stage_id)
        if server.proc.poll() is not None:
            server.start()
            http, token = sign_in(server.base, email)
    server.kill()
    assert len(acknowledged) >= REQUESTS - 3 * KILLS
    with committed_app.app_context():
        signed = set(db.session.scalars(select(StageReview.id).join(StageReview.rounds).join(SignOff)).all())
        assert set(acknowledged) <= signed, "an acknowledged sign-off was lost"
        events = set(db.session.scalars(select(AuditEvent.object_id).where(
            AuditEvent.action == "signoff.signed")).all())
        assert {str(s) for s in signed} == events & {str(s) for s in signed}, "sign-off without its audit event"
        assert db.session.scalar(select(func.count()).select_from(SignOff)) == len(signed)
        assert verify_chain().ok
        if engine_name == "sqlite":
            assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        db.session.remove()
    print(f"\n[{engine_name}] crash: {REQUESTS} sign-offs, {KILLS} kills: {len(acknowledged)} acknowledged, "
          f"{len(unknown)} unanswered or refused; setup {prepared - started:.1f}s, stream and checks "
          f"{time.monotonic() - prepared:.1f}s")
