"""Kill the server (SIGKILL) at random points during a stream of sign-offs and restart it: every
request answered with success is present, nothing half-written remains, the audit trail verifies and
SQLite's integrity check is ok.

``RB_CRASH_REQUESTS`` sign-off requests (default 120) with ``RB_CRASH_KILLS`` kills (default 10).
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import verify_chain
from reviewboard.extensions import db
from reviewboard.reviews.models import SignOff, StageReview
from tests.support.factories import PASSWORD, Factory

REQUESTS = int(os.environ.get("RB_CRASH_REQUESTS", "120"))
KILLS = int(os.environ.get("RB_CRASH_KILLS", "10"))

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app, instance: Path, signing_dir: Path):
        self.log = instance / "server.log"
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                    "SECRET_KEY": app.config["SECRET_KEY"], "REVIEWBOARD_INSTANCE_PATH": str(instance),
                    "REVIEWBOARD_SIGNING_KEY_PATH": str(signing_dir / "signing-key.pem"),
                    "REVIEWBOARD_SIGNING_CERT_PATH": str(signing_dir / "signing-cert.pem"),
                    "REVIEWBOARD_AUDIT_MAC_KEY_PATH": str(signing_dir / "audit-mac.key"),
                    "REVIEWBOARD_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
                    "REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute"}
        self.proc = None

    def start(self):
        cli = str(Path(sys.executable).with_name("reviewboard"))
        self.proc = subprocess.Popen([cli, "run", "--host", "127.0.0.1", "--port", str(self.port),  # noqa: S603
                                      "--without-threads"], env=self.env, stdout=subprocess.DEVNULL,
                                     stderr=self.log.open("ab"))
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited at start: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self, proc=None):
        """SIGKILL ``proc`` (default: the current process); a process that already ended is left alone."""
        proc = proc or self.proc
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def _login(http: requests.Session, base: str, email: str) -> str:
    page = http.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = http.post(base + "/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                         allow_redirects=False, timeout=10)
    assert response.status_code == 302
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(base + "/dashboard", timeout=10).text).group(1)


def test_sigkill_during_sign_offs_loses_nothing_acknowledged(committed_app, engine_name, tmp_path, signing_dir):
    with committed_app.app_context():
        make = Factory(db.session)
        reviewer = make.user("reviewer")
        stages = []
        for _ in range(REQUESTS):
            stage = make.submitted_stage()
            make.verdicts(reviewer, stage)
            stages.append((stage.id, [c.id for c in stage.applicable_criteria()]))
        db.session.commit()
        email = reviewer.email
        db.session.remove()
    server = Server(committed_app, tmp_path, signing_dir)
    server.start()
    rng = random.Random(1128)
    kill_at = set(rng.sample(range(5, REQUESTS - 5), KILLS))
    acknowledged, unknown = [], []
    http = requests.Session()
    token = _login(http, server.base, email)
    for i, (stage_id, criteria) in enumerate(stages):
        data = {"csrf_token": token, "outcome": "approve", "email": email, "password": PASSWORD,
                "sign": "Sign decision",
                **{f"v_{c}": "meets" for c in criteria}}
        if i in kill_at:
            # kill while this request is in flight (or just before it lands)
            import threading

            # bind the timer to this process: it must never kill a server restarted in the meantime
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
            http = requests.Session()
            token = _login(http, server.base, email)
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
