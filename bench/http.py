# ruff: noqa: S603, S607, S310  (runs our own commands and wrk, and opens http://127.0.0.1 URLs it builds)
"""Pages through a real server at 1,000 to 1,000,000 projects (not a test): `python bench/http.py`.

    python bench/http.py --sizes 1000,100000,1000000     # what `make bench` runs
    python bench/http.py --quick                         # 1,000 projects, short runs: while developing

For each size: a fresh PostgreSQL database, migrated with `reviewboard db upgrade`, seeded by SQL
(bench/http_seed.py), then the app and a bare Flask "hello" are served by the same gunicorn command (2 sync
workers, one thread each) and loaded by wrk (-c16), interleaved in one run: hello, page, hello, page, ...
Each page's requests per second are divided by the mean of the hello runs either side of it; with --rounds N
(`make bench`: 3) every page is loaded N times, a round of all pages after another, and its figures are the median
of its rounds, since one wrk run of a shared machine swings by up to 1.5 times. Signed-in pages
carry the session cookie of one sign-in. Then each page once at a time (wrk -c1: p50 alone), each list
query's EXPLAIN (ANALYZE) (written to bench/results/http-plans-N.txt) and, at the largest size, the writes:
sign-off POSTs (deciding and not), another user's write with and without a record rendering beside it, first
with the embedded job worker (a child process of each web worker renders, at a lower CPU priority), then in the
production topology (REDIS_URL, two `reviewboard worker` processes; Redis database 13, or BENCH_REDIS_URL),
records issued per minute by those two workers, and the resident memory of a web worker and a job worker.
`--writes-only` skips the list queries and the pages (with `--reuse`: the writes on a database seeded before).

Targets (issue 11): every page >= 1/10 of hello's req/s, a record download >= 1/2; each page's ratio at the
largest size >= 0.9 x its ratio at the smallest; sign-off POST p95 < 200 ms. Figures go to stdout and
bench/results/http.json. The machine may be shared: the runs are niced and interleaved, compare ratios.
Two references are loaded with the pages: the floor of a signed-in request (two bytes) and of a signed-in page
(the layout around no content), served by the bench's app alone; no page's ratio can be better than theirs.
"""

from __future__ import annotations

import sys

# run as a script, this file's folder comes first on sys.path, where this file would hide the standard `http`
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    del sys.path[0]

import argparse
import json
import logging
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "correct horse battery"  # noqa: S105 -  # tests.support.factories.PASSWORD, every seeded person's (checked in main)

BIN = Path(sys.executable).parent
SECRET = "bench-http-secret-key-" + "x" * 40
OUT = ROOT / "bench" / "results"


# --- serving (a child process: `python bench/http.py --serve app|hello --port P`) ---------------------------

def serve(kind: str, port: int) -> None:
    """The app (configured from the environment, as `reviewboard serve` is) or a bare Flask hello, by the same
    gunicorn settings: 2 sync workers, preloaded."""
    from reviewboard.ops.serving import GunicornServer, ServeOptions

    if kind == "app":
        from reviewboard import create_app

        app = create_app()
        _add_floor_pages(app)
    else:
        from flask import Flask

        app = Flask("hello")
        app.add_url_rule("/", "hello", lambda: "Hello, World!")

    class BenchServer(GunicornServer):
        def load_config(self) -> None:
            super().load_config()
            self.cfg.set("worker_class", "sync")
            if kind != "app":
                self.cfg.set("post_fork", _no_post_fork)

    BenchServer(app, ServeOptions(host="127.0.0.1", port=port, workers=2, threads=1, timeout=60,
                                  graceful_timeout=5)).run()


# The floor under every signed-in page, served by the bench's app alone (not the product's routes): a signed-in
# request that answers two bytes, and one that renders the pages' layout around no content. A page's ratio to hello
# can be no better than theirs; they are printed with the pages as references, not targets.
FLOOR_PAGES = [("floor: signed in, no page", "chair", "/_bench/signed-in"),
               ("floor: signed in, layout", "chair", "/_bench/layout")]


def _add_floor_pages(app) -> None:
    from flask import render_template
    from flask_login import login_required

    # compiled once, as the product's templates are (render_template_string would compile it for every request)
    layout = app.jinja_env.from_string(
        '{% extends "base.html" %}{% block title %}Floor{% endblock %}{% block content %}{% endblock %}')
    app.add_url_rule(FLOOR_PAGES[0][2], "bench_signed_in", login_required(lambda: "ok"))
    app.add_url_rule(FLOOR_PAGES[1][2], "bench_layout", login_required(lambda: render_template(layout)))


def _no_post_fork(_server, _worker) -> None:
    """The hello app has no database, keys or jobs to set up in a worker."""


class Server:
    def __init__(self, kind: str, port: int, env: dict, log: Path):
        self.kind, self.port, self.url = kind, port, f"http://127.0.0.1:{port}"
        self._log = log.open("ab")
        self.proc = subprocess.Popen(["nice", "-n", "5", sys.executable, __file__, "--serve", kind, "--port",
                                      str(port)], env=env, stdout=self._log, stderr=self._log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{kind} server exited; see {log}") from None
                time.sleep(0.2)
        time.sleep(1.0)  # both workers forked

    def worker_pids(self) -> list[int]:
        from tests.support.live_server import child_pids

        return child_pids(self.proc.pid)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def rss_mb(pid: int) -> dict:
    """Resident memory now and at its peak (VmRSS, VmHWM) in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
    return {"rss_mb": round(int(values.get("VmRSS", 0)) / 1024, 1),
            "peak_mb": round(int(values.get("VmHWM", 0)) / 1024, 1)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a browser of sorts: cookies, CSRF tokens, forms ---------------------------------------------------------

class Browser:
    def __init__(self, base: str):
        import http.cookiejar
        import urllib.request

        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict | None = None) -> tuple[int, bytes]:
        import urllib.error
        import urllib.parse

        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read()

    def token(self, path: str) -> str:
        from tests.support.http import csrf_token

        status, body = self.request(path)
        assert status == 200, (path, status)
        return csrf_token(body)

    def login(self, email: str) -> Browser:
        form = {"email": email, "password": PASSWORD, "csrf_token": self.token("/login")}
        status, body = self.request("/login", form)
        assert status == 302, (status, body[:300])
        if b"/login/code" in body:  # a chair: two-step verification, as production requires
            self._second_step()
        return self

    def _second_step(self) -> None:
        import pyotp

        from bench.http_seed import BENCH_TOTP_SECRET

        totp = pyotp.TOTP(BENCH_TOTP_SECRET)
        for _ in range(2):  # a code is accepted once: a second sign-in within its 30 s waits for the next one
            form = {"code": totp.now(), "csrf_token": self.token("/login/code")}
            status, body = self.request("/login/code", form)
            if status == 302:
                return
            time.sleep(30 - time.time() % 30 + 0.5)
        raise AssertionError(("second step refused", status, body[:300]))

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


class _NoRedirect(__import__("urllib.request").request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- wrk ---------------------------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("Installing wrk (Debian package) for the HTTP benchmark", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    apt = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "stdout": subprocess.DEVNULL, "check": False}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    if subprocess.run(install, **apt).returncode:  # stale package lists: update once, then again
        subprocess.run([*sudo, "apt-get", "update", "-qq"], **apt)
        subprocess.run(install, **apt)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and could not be installed: apt-get install wrk")
    return found


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, seconds: float, connections: int, cookie: str = "") -> dict:
    cmd = ["nice", "-n", "5", "wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           "--latency",
           "--timeout", "10s", url]
    if cookie:
        cmd[5:5] = ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    out = done.stdout
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    if not requests:
        lat = {}
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "requests": requests,
            "p50_ms": _ms(lat["50"]) if "50" in lat else None, "p99_ms": _ms(lat["99"]) if "99" in lat else None,
            "non_2xx": int(errors.group(1)) if errors else 0, "timeouts": int(timeouts.group(1)) if timeouts else 0}


# --- one size ----------------------------------------------------------------------------------------------

def _env(tmp: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWBOARD_") and k not in ("REDIS_URL",)}
    env.update({"DATABASE_URL": url, "REVIEWBOARD_INSTANCE_PATH": str(tmp), "SECRET_KEY": SECRET,
                "REVIEWBOARD_ACCESS_LOG": "0", "REVIEWBOARD_LOG_LEVEL": "WARNING",
                # one sign-in per person, but a few dozen people from one address
                "REVIEWBOARD_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
                "REVIEWBOARD_LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
                "REVIEWBOARD_JOB_POLL_INTERVAL": "1s", "PYTHONPATH": str(ROOT)})
    return env


def _rb(env: dict, *args: str) -> None:
    subprocess.run(["nice", "-n", "5", str(BIN / "reviewboard"), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def _app(env: dict, **extra):
    """An in-process app on the bench database, configured like the server (plus ``extra``)."""
    from reviewboard import create_app

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], **extra})
    finally:
        os.environ.clear()
        os.environ.update(saved)


def seed(env: dict, n: int) -> dict:
    from bench.http_seed import clone_projects, seed_templates
    from reviewboard.catalogs.schema import default_catalog_path
    from reviewboard.catalogs.services import import_catalog_file
    from reviewboard.extensions import db
    from reviewboard.pipelines.services import ensure_default_pipeline
    from tests.support.factories import Factory

    app = _app(env, JOBS_MODE="inline")
    logging.getLogger("reviewboard").setLevel(logging.WARNING)
    with app.app_context():
        import_catalog_file(None, default_catalog_path())
        ensure_default_pipeline()
        db.session.commit()
        t0 = time.perf_counter()
        people = seed_templates(Factory(db.session))
        kinds = people["kinds"]
        templates = sum(len(v) for v in kinds.values())
        print(f"  {templates} template projects through the services (real records) in "
              f"{time.perf_counter() - t0:.1f} s", flush=True)
        db.session.remove()
        t0 = time.perf_counter()
        with db.engine.begin() as conn:
            clone_projects(conn, n - templates, kinds, progress=lambda line: print(line, flush=True))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        people["seed_s"] = round(time.perf_counter() - t0, 1)
        print(f"  {n} projects seeded by SQL in {people['seed_s']} s (with VACUUM ANALYZE)", flush=True)
        people.update(_targets(people))
        db.engine.dispose()
    return people


def _targets(people: dict) -> dict:
    """Emails and the ids of the pages' objects: a project in review and its stage halfway through the ids
    (a clone), a record. The stage is always a clone of the same template, the one in review assigned to two
    other reviewers, so the chair sees the whole stage page at every size; a clone of the other template in review
    shows the chair a conflict-of-interest question first (an 8 KB page against 38 KB), and which of the two sat
    halfway depended on the size."""
    from sqlalchemy import select

    from bench.http_seed import MIX
    from reviewboard.auth.models import User
    from reviewboard.extensions import db
    from reviewboard.projects.models import Project
    from reviewboard.records.models import Record
    from reviewboard.reviews.models import StageReview
    from reviewboard.reviews.workflow import StageState

    top = db.session.scalar(select(db.func.max(Project.id)))
    template = db.session.get(Project, people["kinds"]["review"][1])  # seed_templates: the assigned one
    stage = db.session.scalar(select(StageReview).join(Project, Project.id == StageReview.project_id)
                              .where(StageReview.state == StageState.IN_REVIEW, StageReview.project_id >= top // 2,
                                     Project.name.startswith(f"{template.name} ", autoescape=True))  # "<template> <g>"
                              .order_by(StageReview.project_id).limit(1))
    record = db.session.scalar(select(Record).order_by(Record.id).limit(1))
    emails = {role: db.session.get(User, people[role]).email for role in ("reviewer", "chair", "submitter")}
    # the common search term: the name of a template of the kind with the most clones per template (a draft: one
    # project in five), which its clones' names begin with ("Project 9 123"). Not a fixed name: the factories number
    # the templates on from the last size's ("Project 9" at 1,000 projects was "Project 29" at 1,000,000 in the same
    # run, where the search for "project 9" then matched nothing, after checking 110,000 trigram candidates)
    common = max(MIX, key=lambda kind: MIX[kind] / len(people["kinds"][kind]))
    term = db.session.get(Project, people["kinds"][common][0]).name.lower()
    return {"emails": emails, "project_id": stage.project_id, "stage_id": stage.id, "record_id": record.id,
            "common_term": term}


def _reused_targets(env: dict, people: dict) -> dict:
    """The pages' objects in a database seeded before (--reuse), chosen as a fresh seed would choose them."""
    from reviewboard.extensions import db

    app = _app(env)
    with app.app_context():
        try:
            return _targets(people)
        finally:
            db.session.remove()
            db.engine.dispose()


def pages(t: dict, deep: int, only: str | None = None) -> list[tuple[str, str, str]]:
    """(label, who, path)."""
    return [p for p in _pages(t, deep) if not only or only in p[0]]


def _pages(t: dict, deep: int) -> list[tuple[str, str, str]]:
    import urllib.parse

    return [("reviewer queue", "reviewer", "/queue"),
            ("chair dashboard", "chair", "/dashboard"),
            ("submitter dashboard", "submitter", "/dashboard"),
            ("projects list, page 1", "chair", "/projects"),
            (f"projects list, page {deep}", "chair", f"/projects?page={deep}"),
            # one project in 100: 10 rows at 1,000 projects, a full page of 20 at 1,000,000
            ("projects search", "chair", "/projects?q=credit+scoring"),
            # the clones of one template, one in five: a full page at every size
            ("projects search, common term", "chair", "/projects?" + urllib.parse.urlencode({"q": t["common_term"]})),
            ("project page", "chair", f"/projects/{t['project_id']}"),
            ("stage page", "chair", f"/stages/{t['stage_id']}"),
            ("ai inventory", "chair", "/inventory"),
            ("ai inventory by tier", "chair", "/inventory?sort=tier&dir=asc"),
            ("records list", "chair", "/records"),
            ("public verify page", "", "/verify"),
            ("stored record download", "chair", f"/records/{t['record_id']}.pdf"), *FLOOR_PAGES]


def load_pages(app: Server, hello: Server, t: dict, args) -> list[dict]:
    browsers = {who: Browser(app.url).login(email) for who, email in t["emails"].items()}
    browsers[""] = Browser(app.url)

    def cookie(who: str, path: str) -> str:
        """The person's session cookie as a browser holds it just before a run: it loads the page once and keeps
        the cookie the answer sets. A session cookie is signed again when its idle window moves on (a minute,
        SESSION_TOUCH_INTERVAL) and a browser keeps the new one, where wrk sends the same cookie for the whole
        run: with the cookie of the sign-in, every request after the run's first minute was answered with a cookie
        signed anew, work a browser's requests do not repeat, and after 30 minutes the session would have expired."""
        status, body = browsers[who].request(path)
        assert status == 200, (who, path, status, body[:300])
        return browsers[who].cookie_header() if who else ""

    rows = []
    for _label, who, path in pages(t, args.deep_page, args.only):  # each page answers 200 once before it is loaded
        cookie(who, path)
    print(f"  wrk -c{args.connections} -d{args.seconds:g}s, interleaved with hello, {args.rounds} round(s):",
          flush=True)
    listed = pages(t, args.deep_page, args.only)
    runs: dict[str, list[dict]] = {label: [] for label, _who, _path in listed}
    alone: dict[str, float | None] = {}
    before = wrk(hello.url + "/", args.seconds, args.connections)
    for round_no in range(args.rounds):
        # each round loads every page once, so a page's rounds are spread over the whole run: a slow minute of a
        # shared machine moves one of its ratios, not all of them; the page's figure is the median of its rounds
        for label, who, path in listed:
            run = wrk(app.url + path, args.seconds, args.connections, cookie(who, path))
            after = wrk(hello.url + "/", args.seconds, args.connections)
            if round_no == 0:
                alone[label] = wrk(app.url + path, max(args.seconds / 2, 2), 1, cookie(who, path))["p50_ms"]
            run.update(hello_rps=round((before["rps"] + after["rps"]) / 2, 1))
            run["ratio"] = run["rps"] / run["hello_rps"]
            runs[label].append(run)
            if args.rounds > 1:
                print(f"    round {round_no + 1}: {label:<26} {run['rps']:8.1f} req/s  "
                      f"1/{1 / max(run['ratio'], 1e-6):6.1f} of hello ({run['hello_rps']:.0f})", flush=True)
            before = after
    rows = []
    for label, _who, path in listed:
        rounds = runs[label]
        run = {key: _median([r[key] for r in rounds]) for key in ("rps", "p50_ms", "p99_ms", "hello_rps", "ratio")}
        run.update(label=label, path=path, alone_p50_ms=alone[label], rounds=[round(r["ratio"], 4) for r in rounds],
                   requests=sum(r["requests"] for r in rounds), non_2xx=sum(r["non_2xx"] for r in rounds),
                   timeouts=sum(r["timeouts"] for r in rounds))
        rows.append(run)
        bad = f"  NON-2XX {run['non_2xx']}" if run["non_2xx"] else ""
        bad += f"  TIMEOUTS {run['timeouts']}" if run["timeouts"] else ""
        print(f"    {label:<26} {run['rps']:8.1f} req/s  p50 {_f(run['p50_ms'])} ms  p99 {_f(run['p99_ms'])} ms  "
              f"1/{1 / max(run['ratio'], 1e-6):6.1f} of hello ({run['hello_rps']:.0f})  alone p50 "
              f"{_f(alone[label])} ms{bad}", flush=True)
    return rows


def _median(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _f(ms: float | None) -> str:
    return f"{ms:8.2f}" if ms is not None else "       -"


def explain(env: dict, people: dict, n: int) -> list[dict]:
    """Each list query's time and EXPLAIN (ANALYZE, BUFFERS), as the pages run them (bench/list_scale.py)."""
    from bench.list_scale import measure, queries
    from reviewboard.auth.models import User
    from reviewboard.extensions import db

    app = _app(env)
    with app.app_context():
        users = [db.session.get(User, people[r]) for r in ("reviewer", "chair", "submitter")]
        result = measure(db.session, queries(False, *users), 3, True)
        db.session.rollback()
        db.engine.dispose()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"http-plans-{n}.txt"
    path.write_text("".join(f"--- {n} projects: {name} ({row['ms']} ms)\n{row['plan']}\n\n"
                            for name, row in result.items()))
    rows = []
    for name, row in result.items():
        seq = sorted(set(re.findall(r"Seq Scan on (\w+)", row["plan"])))
        top = re.search(r"Execution Time: ([\d.]+) ms", row["plan"])
        rows.append({"query": name, "ms": row["ms"], "execution_ms": float(top.group(1)) if top else None,
                     "seq_scans": seq})
        print(f"    {name:<26} {row['ms']:8.2f} ms{'  seq scan on ' + ', '.join(seq) if seq else ''}", flush=True)
    print(f"    (plans in {path})", flush=True)
    return rows


# --- writes (the largest size) -----------------------------------------------------------------------------

def _factory(session):
    """The test factories on a seeded database: their names and e-mail addresses count from now (in ms), past
    every address an earlier run gave (addresses are never reused)."""
    import itertools

    from tests.support import factories

    factories._seq = itertools.count(int(time.time() * 1000))
    return factories.Factory(session)


def _stages_to_sign(env: dict, count: int) -> dict:
    """``count`` stages whose next signature decides (one reviewer signed, the second has verdicts), as many
    whose next signature does not (two reviewers with verdicts, none signed), and a stage in review where a
    third reviewer saves verdicts (the concurrent write). Returns the ids, emails and form fields."""
    from reviewboard.extensions import db

    app = _app(env, JOBS_MODE="inline")
    with app.app_context():
        make = _factory(db.session)
        first, second, other = (make.user("reviewer") for _ in range(3))
        deciding, plain = [], []
        for _ in range(count):
            stage = make.submitted_stage()
            make.sign(first, stage)
            make.verdicts(second, stage)
            deciding.append(stage.id)
            stage = make.submitted_stage()
            make.verdicts(first, stage)
            plain.append(stage.id)
        write_stage = make.submitted_stage()
        make.verdicts(other, write_stage)
        fields = {f"v_{c.id}": "meets" for c in write_stage.applicable_criteria()}
        db.session.commit()
        out = {"first": first.email, "second": second.email, "other": other.email, "deciding": deciding,
               "plain": plain, "write_stage": write_stage.id, "fields": fields}
        db.session.remove()
        db.engine.dispose()
    return out


def _sign(browser: Browser, stage_id: int, email: str, fields: dict) -> float:
    data = {**fields, "csrf_token": browser.token(f"/stages/{stage_id}"), "outcome": "approve", "email": email,
            "password": PASSWORD, "sign": "Sign decision"}
    t0 = time.perf_counter()
    status, body = browser.request(f"/stages/{stage_id}/review", data)
    took = time.perf_counter() - t0
    assert status == 302, (status, body[:500])
    return took


def _save(browser: Browser, stage_id: int, fields: dict, i: int) -> float:
    data = {**fields, **{k.replace("v_", "r_"): f"Checked again ({i})." for k in fields},
            "csrf_token": browser.token(f"/stages/{stage_id}"), "save": "Save verdicts"}
    t0 = time.perf_counter()
    status, body = browser.request(f"/stages/{stage_id}/review", data)
    took = time.perf_counter() - t0
    assert status == 302, (status, body[:500])
    return took


class _Jobs:
    """How many jobs are waiting or running, read over one connection of the bench's own (not the servers')."""

    def __init__(self, env: dict):
        import psycopg

        self.conn = psycopg.connect(env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"),
                                    autocommit=True)

    def left(self) -> int:
        return self.conn.execute("SELECT count(*) FROM job WHERE status IN ('pending', 'running')").fetchone()[0]

    def wait(self, seconds: float = 600) -> None:
        deadline = time.perf_counter() + seconds
        while self.left() and time.perf_counter() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        self.conn.close()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def writes(app: Server, env: dict, count: int) -> dict:
    """Sign-off POSTs as a reviewer makes them (signed in with their password, the stage page's CSRF token, then
    the form with the password again): ``count`` that do not decide, then ``count`` that do, each when no record
    is being issued. Before each deciding POST another reviewer saves verdicts on a third stage once ("alone"), and
    after it as often as they can until the record is issued ("during render"): the same person's write, in the
    same minute, with and without a record rendering beside it."""
    s = _stages_to_sign(env, count)
    first, second, other = (Browser(app.url).login(s[k]) for k in ("first", "second", "other"))
    crit = dict(s["fields"])
    jobs = _Jobs(env)
    try:
        plain = [_sign(first, sid, s["first"], crit) for sid in s["plain"]]
        deciding, alone, during, issued = [], [], [], []
        for i, sid in enumerate(s["deciding"]):
            jobs.wait()  # the previous record is issued: each deciding POST on its own
            alone.append(_save(other, s["write_stage"], crit, i))
            deciding.append(_sign(second, sid, s["second"], crit))
            t0 = time.perf_counter()
            while jobs.left():  # another user's writes while the record renders and is signed
                during.append(_save(other, s["write_stage"], crit, 1000 + len(during)))
            issued.append(time.perf_counter() - t0)
    finally:
        jobs.close()
    result = {"signoff_not_deciding": _summary(plain), "signoff_deciding": _summary(deciding),
              "write_alone": _summary(alone), "write_during_render": _summary(during),
              "record_issued_after": _summary(issued)}
    for key, row in result.items():
        print(f"    {key:<22} n={row['n']:<3} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms", flush=True)
    return result


def _summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50_ms": float("nan"), "p95_ms": float("nan")}
    return {"n": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(_pct(values, 95), 1)}


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")  # a database of its own


def _rq_env(env: dict) -> dict | None:
    """``env`` with REDIS_URL (production: RQ workers), the bench's Redis database emptied; None without Redis."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(BENCH_REDIS_URL, socket_connect_timeout=2).flushdb()
    except RedisError as exc:
        print(f"    no Redis at {BENCH_REDIS_URL} ({type(exc).__name__}): RQ workers not measured", flush=True)
        return None
    return {**env, "REDIS_URL": BENCH_REDIS_URL}


def _workers(env: dict, log, count: int = 2) -> list[subprocess.Popen]:
    """``count`` `reviewboard worker` processes (RQ workers with REDIS_URL; else each polls the job table), 10 niceness
    steps below the app servers, as docs/deploy/systemd/reviewboard-worker@.service runs them (Nice=10)."""
    return [subprocess.Popen(["nice", "-n", "15", str(BIN / "reviewboard"), "worker"], env=env, stdout=log,
                             stderr=log) for _ in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        w.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.wait(30)
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def writes_with_rq_workers(env: dict, count: int, log: Path) -> dict | None:
    """The production topology: the app (2 sync workers, REDIS_URL) and two `reviewboard worker` processes that
    render and sign the records; the same writes as :func:`writes`."""
    rq_env = _rq_env(env)
    if rq_env is None:
        return None
    app = Server("app", free_port(), rq_env, log)
    try:
        with log.open("ab") as out:
            workers = _workers(rq_env, out)
            try:
                time.sleep(3)  # both workers listening
                result = writes(app, rq_env, count)
                result["web_worker_memory"] = [rss_mb(p) for p in app.worker_pids()]
                result["job_worker_memory"] = [rss_mb(w.pid) for w in workers]
            finally:
                _stop(workers)
    finally:
        app.stop()
    print(f"    web worker memory {result['web_worker_memory']}, job worker memory {result['job_worker_memory']}",
          flush=True)
    return result


def records_per_minute(env: dict, count: int, log: Path) -> dict:
    """``count`` decisions committed with their record jobs waiting (no worker running), then two
    `reviewboard worker` processes issue them (RQ workers when ``env`` has REDIS_URL: the first sweep sends the
    waiting rows to the queue; else each polls the job table); the elapsed time from their start to the last
    record, and their memory."""
    from reviewboard.extensions import db

    app = _app(env, JOBS_MODE="outbox")
    with app.app_context():
        make = _factory(db.session)
        for _ in range(count):
            stage, second = make.one_signature_short()
            make.sign(second, stage)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    jobs = _Jobs(env)
    assert jobs.left() == count
    with log.open("ab") as out:
        t0 = time.perf_counter()
        workers = _workers(env, out)
        peak: dict[int, dict] = {}
        try:
            while jobs.left() and time.perf_counter() - t0 < 600:
                for w in workers:
                    peak[w.pid] = rss_mb(w.pid) or peak.get(w.pid, {})
                time.sleep(0.25)
            took = time.perf_counter() - t0
        finally:
            _stop(workers)
            jobs.close()
    first, last = _issued_span(env, count)
    steady = (count - 2) / (last - first).total_seconds() * 60 if count > 2 and last > first else float("nan")
    result = {"records": count, "seconds": round(took, 1), "per_minute": round(count / took * 60, 1),
              "per_minute_warm": round(steady, 1), "job_worker_memory": list(peak.values()),
              "queue": "rq" if env.get("REDIS_URL") else "job table"}
    print(f"    {count} records by 2 job workers ({result['queue']}) in {took:.1f} s from their start (cold: fonts, "
          f"keys): {result['per_minute']} per minute; warm (after each worker's first): {result['per_minute_warm']} "
          f"per minute; job worker memory {result['job_worker_memory']}", flush=True)
    return result


def _issued_span(env: dict, count: int):
    """The issue times of the second and the last of the records the workers issued (the first of each of the
    two workers includes its cold start)."""
    import psycopg

    url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        times = [r[0] for r in conn.execute("SELECT finished_at FROM job WHERE status = 'done' "
                                            "ORDER BY finished_at DESC LIMIT %s", (count,))]
    times.sort()
    return (times[1], times[-1]) if len(times) > 2 else (times[0], times[0])


# --- driver ------------------------------------------------------------------------------------------------

def bench_size(n: int, args, tmp: Path, final: bool) -> dict:
    from tests.support.databases import create_pg_database, drop_pg_database, postgres_url

    name = f"{args.db_prefix}_{n}"
    saved = OUT / f"http-people-{name}.json"
    reuse = args.reuse and saved.exists()
    if not reuse:
        drop_pg_database(name)
        create_pg_database(name)
    url = postgres_url(name)
    env = _env(tmp, url)
    log = tmp / f"servers-{n}.log"
    result: dict = {"projects": n}
    try:
        t0 = time.perf_counter()
        _rb(env, "db", "upgrade")
        print(f"  migrated in {time.perf_counter() - t0:.1f} s (reviewboard db upgrade)", flush=True)
        if reuse:
            people = json.loads(saved.read_text())
            people.update(_reused_targets(env, people))
            print(f"  reusing {name} (--reuse)", flush=True)
        else:
            people = seed(env, n)
            if args.keep:
                OUT.mkdir(exist_ok=True)
                saved.write_text(json.dumps(people))
        result["seed_s"] = people["seed_s"]
        if args.seed_only:
            return result
        if not args.writes_only:
            print("  list queries (median of 3), EXPLAIN ANALYZE:", flush=True)
            result["queries"] = explain(env, people, n)
        app = Server("app", free_port(), env, log)
        try:
            hello = Server("hello", free_port(), env, log)
        except BaseException:
            app.stop()
            raise
        try:
            result["pages"] = load_pages(app, hello, people, args) if not args.writes_only else []
            result["web_worker_memory"] = [rss_mb(p) for p in app.worker_pids()]
            result["hello_worker_memory"] = [rss_mb(p) for p in hello.worker_pids()]
            print(f"    web worker memory {result['web_worker_memory']}, hello {result['hello_worker_memory']}",
                  flush=True)
            if final and not args.no_writes:
                print("  writes, embedded job worker (a child process of each web worker renders the records, at a "
                      "lower CPU priority; no Redis):"
                      "\n  sign-off POSTs; a verdict save by another reviewer alone and during a render:", flush=True)
                result["writes"] = writes(app, env, args.posts)
                result["web_worker_memory_after_writes"] = [rss_mb(p) for p in app.worker_pids()]
        finally:
            app.stop()
            hello.stop()
        if final and not args.no_writes:
            print("  writes, production topology (REDIS_URL: two `reviewboard worker` processes render the records):",
                  flush=True)
            result["writes_rq"] = writes_with_rq_workers(env, args.posts, log)
            rq_env = _rq_env(env)
            result["records"] = records_per_minute(rq_env or env, args.records, log)
    finally:
        if not (args.keep or args.reuse):
            drop_pg_database(name)
    return result


def report(results: list[dict]) -> None:
    small, large = results[0], results[-1]
    print("\nPages: req/s, p50 / p99 under load (wrk -c16), ratio to bare Flask (hello) in the same run:")
    head = "  page                       " + "".join(f"{r['projects']:>38,}" for r in results)
    print(head)
    for i, row in enumerate(small["pages"]):
        cells = []
        for r in results:
            p = r["pages"][i]
            cells.append(f"{p['rps']:7.0f}/s {_f(p['p50_ms']).strip()}/{_f(p['p99_ms']).strip()} ms "
                         f"1/{1 / max(p['ratio'], 1e-6):.1f}")
        print(f"  {row['label']:<26} " + "".join(f"{c:>38}" for c in cells))
    print("\nTargets:")
    references = {label for label, _who, _path in FLOOR_PAGES}
    for i, row in enumerate(small["pages"]):
        goal = 0.5 if "download" in row["label"] else 0.1
        big = large["pages"][i]
        flat = big["ratio"] / row["ratio"]
        if row["label"] in references:
            print(f"  {row['label']:<26} ratio {big['ratio']:.3f} (a reference: no page can do better than its floor)")
            continue
        met = "met" if big["ratio"] >= goal else "MISSED"
        print(f"  {row['label']:<26} ratio {big['ratio']:.3f} (goal >= {goal}: {met})"
              + (f"   {large['projects']:,}/{small['projects']:,}: {flat:.2f} (goal >= 0.9: "
                 f"{'met' if flat >= 0.9 else 'MISSED'})" if large is not small else ""))
    for label, key in (("RQ workers", "writes_rq"), ("embedded worker", "writes")):
        w = large.get(key)
        if not w:
            continue
        for row in ("signoff_not_deciding", "signoff_deciding"):
            met = "met" if w[row]["p95_ms"] < 200 else "MISSED"
            print(f"  {row:<26} p95 {w[row]['p95_ms']:.0f} ms (goal < 200: {met}; {label})")
        alone, during = w["write_alone"], w["write_during_render"]
        if during["n"]:
            print(f"  another user's write        p50/p95 {alone['p50_ms']:.0f}/{alone['p95_ms']:.0f} ms alone, "
                  f"{during['p50_ms']:.0f}/{during['p95_ms']:.0f} ms during a render "
                  f"({during['p95_ms'] / alone['p95_ms']:.2f}x at p95; {label})")
    if "records" in large:
        r = large["records"]
        print(f"  records issued per minute   {r['per_minute']} ({r['per_minute_warm']} warm) by two job workers "
              f"({r['queue']})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["app", "hello"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="1000,100000,1000000", help="numbers of projects, comma-separated")
    parser.add_argument("--seconds", type=float, default=10, help="each wrk run under load")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1,
                        help="load every page this many times, interleaved; each page's figures are its rounds' median")
    parser.add_argument("--deep-page", type=int, default=50)
    parser.add_argument("--posts", type=int, default=20, help="sign-off POSTs of each kind (largest size)")
    parser.add_argument("--records", type=int, default=10, help="records issued by the two job workers")
    parser.add_argument("--writes-only", action="store_true", help="no list queries, no pages: the writes")
    parser.add_argument("--no-writes", action="store_true", help="pages only")
    parser.add_argument("--keep", action="store_true", help="keep the databases (rb_benchhttp_N)")
    parser.add_argument("--db-prefix", default="rb_benchhttp",
                        help="database name prefix (PREFIX_N), for two benches on one PostgreSQL")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep (no seeding)")
    parser.add_argument("--seed-only", action="store_true", help="seed (with --keep) and stop")
    parser.add_argument("--only", help="run only the pages whose label contains this")
    parser.add_argument("--quick", action="store_true", help="1,000 projects, 2 s runs, 5 POSTs, 3 records")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port)
        return 0
    from tests.support.databases import postgres_available

    if not postgres_available():
        print("HTTP benchmark: skipped, PostgreSQL is not reachable (it needs PostgreSQL).")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out (finally)
    from tests.support.factories import PASSWORD as seeded

    assert seeded == PASSWORD, "bench/http.py: PASSWORD must be the factories' password"
    ensure_wrk()
    if args.quick:
        args.sizes, args.seconds, args.posts, args.records = "1000", 2, 5, 3
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        _rb(_env(tmp, "sqlite://"), "keys", "init")
        for n in sizes:
            print(f"HTTP benchmark with {n:,} projects:", flush=True)
            results.append(bench_size(n, args, tmp, final=n == sizes[-1]))
            OUT.mkdir(exist_ok=True)
            (OUT / "http.json").write_text(json.dumps(results, indent=2))
    if not args.seed_only:
        report(results)
    print(f"Wrote {OUT / 'http.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
