"""Sessions can be revoked, sign-in is rate limited, and every response carries the security headers."""

from __future__ import annotations

import pytest

from reviewboard.auth import services as accounts
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, login, logout, post_form


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(client, value):
    client.set_cookie("session", value, domain="localhost")
    return client.get("/dashboard")


def test_cookie_captured_before_logout_is_refused_after(client, make):
    user = make.user("submitter")
    login(client, user)
    captured = _session_cookie(client)
    assert client.get("/dashboard").status_code == 200
    logout(client)
    response = _replay(client, captured)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cookie_captured_before_password_change_is_refused_after(client, make):
    user = make.user("submitter")
    login(client, user)
    captured = _session_cookie(client)
    response = post_form(client, "/account/password", "/account/password",
                         {"current_password": PASSWORD, "new_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200  # this session was renewed and goes on
    assert _replay(client, captured).status_code == 302


def test_deactivation_ends_the_users_sessions(client, make, db_session):
    user = make.user("reviewer")
    chair = make.user("chair")
    login(client, user)
    captured = _session_cookie(client)
    accounts.set_active(chair, user, False)
    db_session.flush()
    assert _replay(client, captured).status_code == 302
    assert accounts.authenticate(user.email, PASSWORD) is None


def test_session_id_changes_at_sign_in(client, make):
    user = make.user("submitter")
    client.get("/login")
    before = _session_cookie(client)
    login(client, user)
    assert _session_cookie(client) != before


def test_idle_session_times_out(client, make, app, monkeypatch):
    from datetime import timedelta

    user = make.user("submitter")
    login(client, user)
    with client.session_transaction() as session:
        session["last_seen"] -= timedelta(minutes=31).total_seconds()
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_page_re_sends_the_session_cookie_only_when_the_idle_window_moves_on(client, make, app):
    """Reading pages does not re-sign the cookie on every request; a minute on, the last-seen time is written
    back, so a busy person is not signed out by the idle timeout."""
    user = make.user("submitter")
    login(client, user)
    client.get("/dashboard")
    response = client.get("/dashboard")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    interval = app.config["SESSION_TOUCH_INTERVAL"].total_seconds()
    with client.session_transaction() as session:
        session["last_seen"] -= interval + 1
        seen = session["last_seen"]
    response = client.get("/dashboard")
    assert response.status_code == 200 and "Set-Cookie" in response.headers
    with client.session_transaction() as session:
        assert session["last_seen"] > seen + interval


def test_a_session_active_just_under_the_idle_timeout_goes_on(client, make, app):
    user = make.user("submitter")
    login(client, user)
    idle = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    with client.session_transaction() as session:
        session["last_seen"] -= idle - 5
    assert client.get("/dashboard").status_code == 200
    with client.session_transaction() as session:  # touched: another idle window from now
        session["last_seen"] -= idle - 5
    assert client.get("/dashboard").status_code == 200


def test_a_busy_session_still_ends_at_the_absolute_timeout(client, make, app):
    user = make.user("submitter")
    login(client, user)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with client.session_transaction() as session:  # active a minute ago, but signed in longer ago than allowed
        session["signed_in_at"] -= lifetime + 60
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard").status_code == 302  # and it stays ended


def test_cookies_are_httponly_and_samesite_lax(client, make):
    user = make.user("submitter")
    token_page = client.get("/login")
    assert token_page.status_code == 200
    response = login(client, user)
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header and "SameSite=Lax" in header


@pytest.mark.parametrize("path", ["/login", "/verify", "/no-such-page", "/static/app.css", "/favicon.ico",
                                  "/bootstrap/static/css/bootstrap.min.css"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path, buffered=True)  # buffered: read and closed (static files are open files)
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_site_icon_is_served_to_anyone_and_linked_from_every_page(client, make):
    icon = client.get("/favicon.ico", buffered=True)
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file, not an HTML error page
    assert 'rel="icon" href="/favicon.ico"' in client.get("/login").get_data(as_text=True)
    login(client, make.user("submitter"))
    assert 'rel="icon" href="/favicon.ico"' in client.get("/dashboard").get_data(as_text=True)


def test_signed_in_pages_are_not_cached_and_hsts_only_over_https(client, make):
    login(client, make.user("submitter"))
    response = client.get("/dashboard")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/dashboard", base_url="https://localhost")
    assert "max-age=31536000" in secure.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_script(client, make):
    login(client, make.user("submitter", "reviewer", "chair"))
    for path in ("/dashboard", "/projects", "/projects/new", "/queue", "/records", "/admin/users"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html


def test_a_500_shows_no_traceback_sql_or_config(client, app, monkeypatch):
    from reviewboard.core import views

    def boom():
        raise RuntimeError("SELECT secret FROM config WHERE key='SECRET_KEY'")

    monkeypatch.setitem(app.view_functions, "ops.healthz", lambda: boom())
    response = client.get("/healthz")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "SELECT" not in body and "SECRET_KEY" not in body
    assert "reference" in body  # the request id to quote
    assert views is not None


class TestRateLimits:
    @pytest.fixture()
    def limited(self, app, monkeypatch):
        from reviewboard.config import Defaults
        from reviewboard.extensions import limiter

        monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", Defaults.LOGIN_LIMIT_PER_ACCOUNT)
        monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", Defaults.LOGIN_LIMIT_PER_ADDRESS)
        limiter.reset()
        yield
        limiter.reset()

    def test_sign_in_is_limited_per_account(self, client, make, limited):
        user = make.user("submitter")
        statuses = [post_form(client, "/login", "/login", {"email": user.email, "password": "wrong password"})
                    .status_code for _ in range(6)]
        assert statuses[:5] == [200] * 5
        assert statuses[5] == 429
        page = post_form(client, "/login", "/login", {"email": user.email, "password": PASSWORD})
        assert page.status_code == 429 and "Too many attempts" in page.get_data(as_text=True)
        # another account from the same address is still allowed (per-account limit)
        other = make.user("submitter")
        assert post_form(client, "/login", "/login", {"email": other.email, "password": PASSWORD}).status_code == 302

    def test_sign_in_is_limited_per_address(self, client, make, limited):
        statuses = [post_form(client, "/login", "/login", {"email": f"nobody{i}@example.test", "password": "x" * 9})
                    .status_code for i in range(21)]
        assert statuses[:20] == [200] * 20 and statuses[20] == 429


class TestProjectCreationLimit:
    """Anti-automation (ASVS 2.4.1): each signed-in user may register only so many projects per period."""

    FORM = {"name": "Triage helper", "purpose": "Suggests triage levels.", "intended_users": "Nurses.",
            "scenario": "Emergency department.", "system_type": "decision_support", "data_categories": ["anonymous"],
            "deployment_context": "internal", "autonomy_level": "advisory", "scale": "pilot",
            **{f"q_{q}": "no" for q in ("affects_rights", "safety_critical", "public_content", "manipulation",
                                         "social_scoring", "remote_biometric_public")}}

    @pytest.fixture()
    def two_per_hour(self, app, monkeypatch):
        from reviewboard.extensions import limiter

        monkeypatch.setitem(app.config, "PROJECT_CREATION_LIMIT", "2 per hour")
        limiter.reset()
        yield
        limiter.reset()

    def _register(self, client, name):
        return post_form(client, "/projects/new", "/projects/new", {**self.FORM, "name": name})

    def test_registering_projects_is_limited_per_user(self, client, make, db_session, two_per_hour):
        from sqlalchemy import func, select

        from reviewboard.projects.models import Project

        user = make.user("submitter")
        login(client, user)
        assert [self._register(client, f"Project {i}").status_code for i in range(2)] == [302, 302]
        refused = self._register(client, "One too many")
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert "Too many attempts" in page and "2 per 1 hour" in page
        assert db_session.scalar(select(func.count()).select_from(Project).where(Project.owner_id == user.id)) == 2
        assert client.get("/projects/new").status_code == 200  # the form itself stays available
        # the limit is per user, not per address: another person on the same address carries on
        logout(client)
        other = make.user("submitter")
        login(client, other)
        assert self._register(client, "Someone else's").status_code == 302


@pytest.mark.parametrize(("limit", "shown"), [(512 * 1024, "512 KiB"), (1536 * 1024, "1.5 MiB"),
                                              (20 * 1024 * 1024, "20 MiB")])
def test_the_413_page_states_the_limit_in_kib_or_mib(client, make, app, monkeypatch, limit, shown):
    import io

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", limit)
    project = make.project()
    stage = project.stages[0]
    login(client, project.owner)
    page = f"/stages/{stage.id}"
    # the upload form states the same limit before anyone tries
    assert f"up to {shown}. The SHA-256 is recorded." in client.get(page).get_data(as_text=True)
    response = post_form(client, page, f"{page}/evidence",
                         {"criterion_id": str(stage.applicable_criteria()[0].id),
                          "file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * limit), "big.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    assert f"Evidence files may be up to {shown}." in response.get_data(as_text=True)


def test_size_labels_never_overstate_the_limit():
    from reviewboard.core.errors_web import size_label

    assert [size_label(n) for n in (900, 1024, 1500, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1,
                                    int(2.99 * 1024 * 1024))] == \
        ["900 bytes", "1 KiB", "1.4 KiB", "1023.9 KiB", "1 MiB", "1 MiB", "2.9 MiB"]


def test_a_stale_write_gets_409_with_a_link_to_the_current_version(client, make, app, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    project = make.project()
    login(client, project.owner)
    edit = f"/projects/{project.id}/edit"
    token = csrf_token(client.get(edit).data)

    def lost_the_race(**_kwargs):
        raise StaleDataError("UPDATE statement on table 'project' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setitem(app.view_functions, "projects.edit", lost_the_race)
    response = client.post(edit, data={"csrf_token": token})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else changed this first" in body and f'href="{edit}">See the current version' in body
    assert "UPDATE statement" not in body


@pytest.mark.parametrize(("refusal", "status", "shown"), [
    ("not_permitted", 403, "You do not have permission to do this."),
    ("conflict", 409, "Another reviewer closed this condition a moment ago."),
])
def test_a_service_refusal_no_view_catches_gets_its_own_page_not_a_500(client, make, app, monkeypatch, caplog,
                                                                      refusal, status, shown):
    """A service's NotPermitted is the 403 page (logged as access.denied), its Conflict the 409 page with a link
    to the current state, wherever a view lets them through."""
    from reviewboard.core.errors import Conflict, NotPermitted

    stage = make.project().stages[0]
    login(client, stage.project.owner)
    page = f"/stages/{stage.id}"
    token = csrf_token(client.get(page).data)

    def refuse(**_kwargs):
        if refusal == "conflict":
            raise Conflict("Another reviewer closed this condition a moment ago.")
        raise NotPermitted("Only the project's members can do this.")

    monkeypatch.setitem(app.view_functions, "reviews.submit", refuse)
    with caplog.at_level("WARNING", logger="reviewboard.security"):
        response = client.post(f"{page}/submit", data={"csrf_token": token})
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert shown in body and "Traceback" not in body
    if status == 409:
        assert f'href="{page}">See the current version' in body
    else:
        assert any("access.denied" in r.getMessage() for r in caplog.records)
