"""A real ReviewBoard server process (``reviewboard run``, or ``reviewboard serve``: gunicorn) for tests that need
separate processes: crashes (SIGKILL), concurrent HTTP clients, several app servers sharing one Redis, and the
production server's access log and graceful shutdown."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Server:
    """``reviewboard run`` on a free loopback port, configured through the environment like production.

    ``threaded=False`` serves one request at a time (the crash test's stream); ``extra_env`` adds or
    overrides settings (``REVIEWBOARD_...``, ``REDIS_URL``); ``serve_args`` runs ``reviewboard serve`` (gunicorn)
    with these options instead of Flask's development server."""

    def __init__(self, database_url: str, secret_key: str, instance: Path, signing_dir: Path, *,
                 threaded: bool = False, extra_env: dict | None = None, name: str = "server",
                 serve_args: list[str] | None = None, own_session: bool = False):
        self.log = Path(instance) / f"{name}.log"
        self.threaded = threaded
        self.serve_args = serve_args
        self.own_session = own_session  # a process group of its own, as a terminal's: a test may send it Ctrl-C
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        self.env = {**env, "DATABASE_URL": database_url, "SECRET_KEY": secret_key,
                    "REVIEWBOARD_INSTANCE_PATH": str(instance),
                    "REVIEWBOARD_SIGNING_KEY_PATH": str(signing_dir / "signing-key.pem"),
                    "REVIEWBOARD_SIGNING_CERT_PATH": str(signing_dir / "signing-cert.pem"),
                    "REVIEWBOARD_AUDIT_MAC_KEY_PATH": str(signing_dir / "audit-mac.key"),
                    "REVIEWBOARD_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
                    "REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
                    "REVIEWBOARD_VERIFY_LIMIT_PER_ADDRESS": "100000 per minute",
                    **(extra_env or {})}
        self.proc: subprocess.Popen | None = None

    @classmethod
    def for_app(cls, app, instance: Path, signing_dir: Path, **kwargs) -> Server:
        return cls(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SECRET_KEY"], instance, signing_dir, **kwargs)

    def start(self) -> Server:
        cli = str(Path(sys.executable).with_name("reviewboard"))
        if self.serve_args is not None:
            args = [cli, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.serve_args]
        else:
            args = [cli, "run", "--host", "127.0.0.1", "--port", str(self.port)]
            if not self.threaded:
                args.append("--without-threads")
        with self.log.open("ab") as log:  # the server writes to its own copy of the handle
            self.proc = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL,  # noqa: S603
                                         stderr=log, start_new_session=self.own_session)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited at start: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self, proc: subprocess.Popen | None = None) -> None:
        """SIGKILL ``proc`` (default: the current process); a process that already ended is left alone."""
        proc = proc or self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def stop(self) -> None:
        """End the server gracefully (SIGTERM), or kill it when it does not stop."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def child_pids(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout  # noqa: S607 - procps
    return [int(p) for p in out.split()]


def is_alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def wait_until(condition, within: float, what: str):
    """Poll ``condition`` every 0.1 s until it holds, and return what it returned then; fail with ``what`` after
    ``within`` seconds."""
    deadline = time.time() + within
    while not (found := condition()):
        assert time.time() < deadline, what
        time.sleep(0.1)
    return found


def job_process(worker: int, *, not_pid: int | None = None, within: float = 30) -> int:
    """The embedded job worker's process beside the server's worker process ``worker`` (another than ``not_pid``):
    `reviewboard serve` without Redis starts one per worker (jobs/embedded.py)."""
    def found() -> int | None:
        for pid in child_pids(worker):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            if b"--beside-server" in cmdline and pid != not_pid and is_alive(pid):
                return pid
        return None

    return wait_until(found, within, f"no job worker process beside server worker {worker}")


def sign_in(base: str, email: str, password: str = PASSWORD) -> tuple[requests.Session, str]:
    """A signed-in HTTP session and a CSRF token valid for its forms."""
    http = requests.Session()
    token = page_token(http.get(base + "/login", timeout=10).text)
    response = http.post(base + "/login", data={"email": email, "password": password, "csrf_token": token},
                         allow_redirects=False, timeout=10)
    assert response.status_code == 302, (response.status_code, response.text[:300])
    return http, page_token(http.get(base + "/dashboard", timeout=10).text)
