"""``reviewboard serve`` as production runs it: gunicorn in its own process, an access log of JSON lines, the
client's address through a trusted proxy, and a SIGTERM that lets the request in flight finish.

The server is the same whatever the engine (the probes are tested on both in test_health.py): it runs once,
on SQLite, to keep the suite fast.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest
import requests

from tests.support.live_server import Server, child_pids, is_alive, job_process, wait_until

GRACE = 10


def _access_line(server: Server, request_id: str, wait: float = 5.0) -> dict:
    deadline = time.time() + wait
    while time.time() < deadline:
        for raw in server.log.read_text().splitlines():
            if raw.startswith("{"):
                line = json.loads(raw)
                if line.get("logger") == "reviewboard.access" and line.get("request_id") == request_id:
                    return line
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}: {server.log.read_text()[-2000:]}")


def _start_slow_post(port: int) -> tuple[socket.socket, bytes]:
    """A sign-in form whose body is only half sent: the request is in the application, reading it. Returns the
    connection and the rest of the body."""
    body = b"email=someone%40example.org&password=wrong"
    head = (f"POST /login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded"
            f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    conn = socket.create_connection(("127.0.0.1", port), timeout=GRACE)
    conn.sendall(head + body[:10])
    return conn, body[10:]


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_serve_logs_json_lines_and_stops_gracefully_on_sigterm(app, engine_name, tmp_path, signing_dir):
    if engine_name != "sqlite":
        pytest.skip("the serving process does not depend on the engine; it runs once")
    server = Server.for_app(app, tmp_path, signing_dir, serve_args=["--workers", "1", "--threads", "2",
                                                                   "--graceful-timeout", str(GRACE)],
                            extra_env={"REVIEWBOARD_TRUSTED_PROXIES": "1"}).start()
    try:
        response = requests.get(server.base + "/readyz", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10)
        assert response.status_code == 200 and response.json()["status"] == "ready"
        assert "Set-Cookie" not in response.headers
        line = _access_line(server, response.headers["X-Request-Id"])
        assert (line["method"], line["path"], line["status"]) == ("GET", "/readyz", 200)
        assert line["address"] == "203.0.113.7"  # the client's, as the one trusted proxy reported it
        assert line["duration_ms"] > 0

        conn, rest = _start_slow_post(server.port)
        time.sleep(0.5)  # the worker is reading the body inside the application
        stopping = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.proc.poll() is None, "the server stopped with a request in flight"
        conn.sendall(rest)
        answer = _read_all(conn)
        conn.close()
        # the request finished with its whole answer: the form came without its CSRF token
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert b"The form expired" in answer
        assert server.proc.wait(GRACE) == 0
        assert time.monotonic() - stopping < GRACE
    finally:
        server.stop()


def _ignores(pid: int, sig: signal.Signals) -> bool:
    mask = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask.split()[1], 16) >> (sig - 1) & 1)


@pytest.mark.slow  # about 9 s: the job process must be up (an app's import) before it can see its pipe close
def test_ctrl_c_stops_the_server_and_its_job_process_at_once(app, engine_name, tmp_path, signing_dir):
    """`make run`'s Ctrl-C: SIGINT to every process of the terminal's group. The master stops its workers once;
    a worker that also handled the SIGINT itself could deadlock in its thread pool's shutdown (one Ctrl-C in three
    took the 30 s graceful timeout and a SIGKILL). The job process beside the worker ends with it."""
    if engine_name != "sqlite":
        pytest.skip("the serving process does not depend on the engine; it runs once")
    server = Server.for_app(app, tmp_path, signing_dir, serve_args=["--workers", "1", "--threads", "2",
                                                                   "--graceful-timeout", "30"],
                            own_session=True).start()
    try:
        [worker] = child_pids(server.proc.pid)
        assert _ignores(worker, signal.SIGINT), "the worker takes Ctrl-C itself besides the master's stop"
        assert not _ignores(server.proc.pid, signal.SIGINT)
        job = job_process(worker)
        started = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGINT)
        server.proc.wait(GRACE)
        assert time.monotonic() - started < GRACE
        wait_until(lambda: not is_alive(job), GRACE, "the job process outlived the server")
    finally:
        server.stop()
