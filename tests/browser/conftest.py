"""Browser fixtures: a live ReviewBoard per database engine, headless Chromium, and step screenshots.

The live server gets a database of its own (never the rollback-isolated ``app`` fixture's): a SQLite
file in a temporary folder, or a freshly created PostgreSQL database dropped at the end of the session.
CSRF stays on. Each test gets a new browser context, so cookies never leak between tests.

Screenshots: with ``REVIEWBOARD_STEP_SHOTS=1`` every ``shot(page, name)`` saves a full-page PNG to
``tests/artifacts/browser/<engine>/`` (each costs Chromium about 0.4 s of a core, and nothing reads them in a plain
run); a failed test always leaves a full-page PNG of each of its pages in ``<engine>/failures/``. With
``REVIEWBOARD_SCREENSHOTS=1`` (SQLite run only) steps given a ``readme=`` name also save a viewport PNG (1280x800,
or the phone's 390x844) to ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.browser.tongues import BILINGUAL_PIPELINE, CHINESE, ENGLISH, Tongue
from tests.conftest import ENGINES, make_app, prepare_schema
from tests.support.databases import fresh_database
from tests.support.factories import PASSWORD

if TYPE_CHECKING:
    from flask import Flask

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts" / "browser"
README_SHOTS = REPO_ROOT / "docs" / "screenshots"
README_SHOT_LIMIT = 250 * 1024
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # a current phone held upright (CSS pixels)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 15_000  # actions and assertions; issuing a signed record takes a few seconds on a busy machine
expect.set_options(timeout=TIMEOUT_MS)

_emails = itertools.count(1)


def outside_event_loop(fn: Callable, *args, **kwargs):
    """Run ``fn`` in a worker thread and return its result.

    Playwright's sync API keeps an asyncio loop running in the test thread, and pyHanko's synchronous
    signing and validation call ``asyncio.run``, which refuses to start inside a running loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def readme_screenshots_wanted() -> bool:
    return os.environ.get("REVIEWBOARD_SCREENSHOTS") == "1"


def step_screenshots_wanted() -> bool:
    return os.environ.get("REVIEWBOARD_STEP_SHOTS") == "1"


# --------------------------------------------------------------------------------------------- live server


class LiveServer(str):
    """The base URL of a running ReviewBoard (a str), plus its app, for preconditions built through the
    services, and the engine name."""

    app: Flask
    engine: str

    def __new__(cls, url: str, app: Flask, engine: str) -> LiveServer:
        live = super().__new__(cls, url)
        live.app, live.engine = app, engine
        live._shot_seq = itertools.count(1)
        return live

    @property
    def url(self) -> str:
        return str(self)

    @contextlib.contextmanager
    def session(self):
        """An app context on the live app's database; commits at the end (the server sees the changes)."""
        from reviewboard.extensions import db

        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    def add_user(self, name: str, *roles: str, password: str = PASSWORD, language: str = "en") -> Person:
        """Create an account through the real service (unique e-mail), committed; ``language`` is the interface
        language its profile keeps."""
        from reviewboard.auth.services import create_user

        local = re.sub(r"[^a-z]+", ".", name.lower()).strip(".") or "person"
        email = f"{local}.{next(_emails)}.{uuid.uuid4().hex[:6]}@example.test"
        with self.session():
            user = create_user(None, email, name, password, set(roles or ("submitter",)))
            user.language = language
            return Person(user.id, name, user.email, password)


    def typed_text(self) -> list[str]:
        """What people typed into this server: names, e-mail addresses, project texts, notes and rationales, and
        the organisation's name (a page shows them as written, in whatever language)."""
        from sqlalchemy import select

        from reviewboard.auth.models import User
        from reviewboard.projects.models import Project
        from reviewboard.reviews.models import SubmissionRound, Verdict

        columns = (User.name, User.email, Project.name, Project.purpose, Project.intended_users, Project.scenario,
                   SubmissionRound.note, Verdict.rationale)
        with self.session() as session:
            typed = [text for column in columns for text in session.scalars(select(column).distinct()) if text]
        return [*typed, self.app.config["ORGANISATION_NAME"]]


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    password: str


_ENGINE_PARAMS = [pytest.param(name, marks=pytest.mark.skipif(
    name not in ENGINES, reason="PostgreSQL is not reachable on 127.0.0.1:5432")) for name in ("sqlite", "postgresql")]


@pytest.fixture(scope="session", params=_ENGINE_PARAMS)
def live_server(request, tmp_path_factory, signing_dir) -> Iterator[LiveServer]:
    """A threaded werkzeug server on 127.0.0.1 (random port) over a fresh database, CSRF on; yields its base URL."""
    from werkzeug.serving import make_server

    from reviewboard.extensions import db

    engine = request.param
    instance = tmp_path_factory.mktemp(f"browser-instance-{engine}")
    database = contextlib.ExitStack()
    url = database.enter_context(fresh_database(engine, instance, "browser"))
    server = thread = app = None
    try:
        app = make_app(url, instance, signing_dir, WTF_CSRF_ENABLED=True)
        prepare_schema(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        live = LiveServer(f"http://127.0.0.1:{server.server_port}", app, engine)
        # Every installation has a chair; seed one so that no page is rendered in a single-role world.
        live.add_user("Chen Chair", "chair", "reviewer")
        thread = threading.Thread(target=server.serve_forever, name=f"live-server-{engine}", daemon=True)
        thread.start()
        shutil.rmtree(ARTIFACTS / engine, ignore_errors=True)
        yield live
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        database.close()


# ------------------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium, shared by every browser test, stopped when the last one has run.

    Package scope, not session scope: while Playwright's sync API is running, its asyncio loop counts as
    running in the main thread, so every later test that signs or validates a PDF (pyHanko calls
    ``asyncio.run``) would fail in the same pytest run.
    """
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture()
def new_page(browser, live_server, request) -> Iterator[Callable]:
    """Open a page in a brand-new browser context (own cookies), 1280 px wide unless ``viewport`` says
    otherwise, in the browser language ``locale`` (Accept-Language); all are closed after the test."""
    contexts = []

    def open_page(viewport: dict = VIEWPORT, locale: str = "en-GB"):
        # reduced motion: Bootstrap's smooth scrolling off, so a scroll is done before the next step or shot
        context = browser.new_context(base_url=live_server.url, viewport=viewport, accept_downloads=True,
                                      locale=locale, timezone_id="UTC", reduced_motion="reduce")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        target = ARTIFACTS / live_server.engine / "failures"
        target.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(target / f"{request.node.name}-{i}{j}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def bilingual_pipeline(live_server, tmp_path_factory) -> int:
    """The id of the standard pipeline's shipped version 3 (on catalog 1.3.0, whose criteria are written in English
    and Chinese), published under keys of its own: the live server is shared, and the other browser tests expect
    the shipped pipelines and catalog at version 1."""
    from reviewboard.catalogs.schema import shipped_catalog_path
    from reviewboard.catalogs.services import import_catalog_file
    from reviewboard.pipelines.services import import_pipeline

    catalog = shipped_catalog_path("rb-tc260-lifecycle-1.3.0.yaml").read_text(encoding="utf-8")
    own_catalog = tmp_path_factory.mktemp("bilingual-catalog") / "catalog.yaml"
    own_catalog.write_text(catalog.replace("  key: rb-tc260-lifecycle\n", "  key: rb-browser-bilingual\n", 1),
                           encoding="utf-8")
    pipeline = (REPO_ROOT / "reviewboard" / "pipelines" / "data" / "standard-v3.yaml").read_text(encoding="utf-8")
    name = f"{{en: {BILINGUAL_PIPELINE['en']}, zh-Hans: {BILINGUAL_PIPELINE['zh-Hans']}}}"
    pipeline = pipeline.replace("key: standard\n", "key: standard-bilingual\n", 1).replace(
        "catalog: rb-tc260-lifecycle\n", "catalog: rb-browser-bilingual\n", 1).replace(
        "name: {en: Standard AI lifecycle review, zh-Hans: 标准人工智能生命周期审查}", f"name: {name}", 1)
    with live_server.session():  # as the shipped ones are loaded: by the system, no person acting
        import_catalog_file(None, own_catalog)
        return import_pipeline(None, pipeline, "standard-bilingual.yaml", publish=True).id


@pytest.fixture()
def walk_pipeline(tongue, request) -> int | None:
    """The pipeline a walk registers its projects under: the default one in English, the bilingual one in
    Chinese (a Chinese committee reviews on criteria written in Chinese)."""
    return None if tongue.source else request.getfixturevalue("bilingual_pipeline")


@pytest.fixture(params=[ENGLISH, CHINESE], ids=lambda tongue: tongue.code)
def tongue(request, live_server) -> Tongue:
    """The language a walk is taken in (tests/browser/tongues.py): each test asking for it runs in English and
    in Chinese; English on a Chinese page is written to (or fails) ``english-leaks.txt`` in the artifacts."""
    folder = ARTIFACTS / live_server.engine
    folder.mkdir(parents=True, exist_ok=True)
    return request.param.bind(folder / "english-leaks.txt", live_server.typed_text)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


# -------------------------------------------------------------------------------------------- screenshots


@pytest.fixture()
def shot(live_server) -> Callable:
    """``shot(page, name, readme=None)``: a full-page PNG of this step for the artifacts folder, when
    REVIEWBOARD_STEP_SHOTS=1 (returns its path, else None).

    ``readme="01-dashboard"`` also saves a viewport PNG (the page's size) to docs/screenshots/ when
    REVIEWBOARD_SCREENSHOTS=1 and the engine is SQLite (one set of README pictures, not one per engine).
    """
    folder = ARTIFACTS / live_server.engine
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, readme: str | None = None) -> Path | None:
        path = None
        if step_screenshots_wanted():
            path = folder / f"{next(live_server._shot_seq):02d}-{name}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
        if readme and readme_screenshots_wanted() and live_server.engine == "sqlite":
            page.mouse.move(0, 0)  # no hover effect on whatever the last click left under the pointer
            save_readme_png(page.screenshot(full_page=False, animations="disabled"), readme)
        return path

    return take


def save_readme_png(png: bytes, name: str) -> Path:
    """Write docs/screenshots/<name>.png, re-encoded with a palette if it would exceed ~250 KB."""
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    path = README_SHOTS / f"{name}.png"
    if len(png) > README_SHOT_LIMIT:
        import io

        from PIL import Image

        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        png = buffer.getvalue()
    path.write_bytes(png)
    assert len(png) <= README_SHOT_LIMIT, f"{path} is {len(png)} bytes"
    return path
