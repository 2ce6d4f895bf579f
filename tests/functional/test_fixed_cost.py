"""What every request pays outside its page: the hooks skip the work a request does not need (the rate limiter's
app-wide check when no app-wide limit exists, the commit when no database was used), and a signed-in page or a
record download sends a fixed, small number of SQL statements whoever asks."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from reviewboard.extensions import limiter
from tests.support.http import login, logout
from tests.support.statements import statements_sent


def _statements(db_session, run) -> list[str]:
    with statements_sent(db_session) as seen:
        run()
    return [s for s in seen if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))]


def test_the_limiters_app_wide_check_runs_where_an_app_wide_or_blueprint_limit_exists(app, monkeypatch):
    """The API's per-token limit covers its blueprint (tests/api/test_tokens.py checks it answers 429); a page
    blueprint has none, until a default limit (RATELIMIT_DEFAULT) covers every request."""
    monkeypatch.setattr(limiter, "_covered", {})
    assert limiter._covers("api") and not limiter._covers("projects") and not limiter._covers(None)
    monkeypatch.setattr(limiter, "_covered", {})
    monkeypatch.setattr(type(limiter.limit_manager), "default_limits", property(lambda _self: ["10 per second"]))
    assert limiter._covers("projects") and limiter._covers(None)


def test_a_default_limit_still_answers_429_on_any_page(app, client, monkeypatch):
    from flask_limiter import Limit

    limiter.reset()
    monkeypatch.setattr(limiter, "_covered", {})
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [Limit("2 per minute", limiter._key_func)])
    try:
        assert [client.get("/verify").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        limiter.reset()


def test_healthz_uses_no_database_and_sets_no_cookie(client, db_session):
    seen = _statements(db_session, lambda: client.get("/healthz"))
    response = client.get("/healthz")
    assert response.status_code == 200 and seen == [] and "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("role", ["chair", "submitter"])
def test_a_signed_in_pages_fixed_part_is_one_statement(client, make, db_session, app, monkeypatch, role):
    """The person, their roles and their authenticator: one statement before the page's own (the enrolment policy
    for a chair asks nothing more). The records list of a person with no records reads one more: its page."""
    from reviewboard.config import Defaults
    from tests.support.http import post_form
    from tests.support.mfa import code, enrol

    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", Defaults.MFA_REQUIRED_ROLES)
    person = make.user(role)
    if role == "chair":
        secret, _recovery = enrol(person)
    login(client, person)
    if role == "chair":
        assert post_form(client, "/login/code", "/login/code", {"code": code(secret)}).status_code == 302
    fixed = _statements(db_session, lambda: client.get("/verify"))
    unquoted = [s.replace('"', "") for s in fixed]
    assert len(fixed) == 1 and unquoted[0].startswith("SELECT user.id") and "totp_credential" in unquoted[0], fixed


def test_a_record_download_is_one_statement_after_the_persons(client, make, db_session):
    from reviewboard.records.models import Record

    stage = make.submitted_stage()
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    login(client, stage.project.owner)
    responses = []
    seen = _statements(db_session, lambda: responses.append(client.get(f"/records/{record.id}.pdf")))
    assert responses[0].status_code == 200 and responses[0].data == record.pdf
    assert len(seen) == 2 and "FROM record" in seen[1], seen


def test_a_record_download_carries_its_digest_as_etag_and_answers_304_to_a_client_that_has_it(client, make,
                                                                                               db_session):
    from reviewboard.records.models import Record

    stage = make.submitted_stage()
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    login(client, stage.project.owner)
    full = client.get(f"/records/{record.id}.pdf")
    assert full.status_code == 200 and full.headers["ETag"] == f'"{record.pdf_sha256}"'
    assert full.headers["Cache-Control"] == "no-store" and full.headers["Content-Disposition"].startswith("attachment")
    again = client.get(f"/records/{record.id}.pdf", headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get(f"/records/{record.id}.pdf", headers={"If-None-Match": '"0000"'})
    assert other.status_code == 200 and other.data == record.pdf
    logout(client)
    login(client, make.user("submitter"))  # not on the project's team: no record, whatever the validator
    assert client.get(f"/records/{record.id}.pdf", headers={"If-None-Match": full.headers["ETag"]}).status_code == 404


def test_a_record_download_from_kept_bytes_still_asks_the_database_who_may_download_it(client, make, db_session):
    """The second download of a record sends its bytes from this process's memory (records/kept_bytes.py), but only
    after the database has confirmed, in the same one statement, that the person may download it and which bytes it
    holds: a person taken off the project's team gets 404 at once, and bytes kept for the same record id that are
    not the record's are never sent."""
    from sqlalchemy import delete

    from reviewboard.projects.models import ProjectMember
    from reviewboard.records.kept_bytes import kept
    from reviewboard.records.models import Record

    stage = make.submitted_stage()
    for reviewer in make.reviewers(2):
        make.sign(reviewer, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    owner = stage.project.owner
    login(client, owner)
    other = b"%PDF-1.7 another record once stored under this id"
    kept.put(record.id, hashlib.sha256(other).hexdigest(), other, 1 << 20)
    assert client.get(f"/records/{record.id}.pdf").data == record.pdf  # the database's bytes, now kept
    assert kept.get(record.id) == (record.pdf_sha256, record.pdf)
    responses = []
    seen = _statements(db_session, lambda: responses.append(client.get(f"/records/{record.id}.pdf")))
    assert responses[0].status_code == 200 and responses[0].data == record.pdf
    assert responses[0].headers["X-File-SHA256"] == record.pdf_sha256
    assert len(seen) == 2 and "FROM record" in seen[1], seen
    db_session.execute(delete(ProjectMember).where(ProjectMember.project_id == stage.project_id,
                                                   ProjectMember.user_id == owner.id))
    db_session.flush()
    assert client.get(f"/records/{record.id}.pdf").status_code == 404
