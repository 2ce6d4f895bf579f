"""The audit trail in the browser over HTTP with CSRF on: who may read it, filters by project, stage, person,
action and date, keyset pages on seq that do not shift when events are added, verifying the chain (intact,
then broken at the first altered event; a long trail through the job queue), and the CSV export: the filtered
slice with the chain head, formula-safe cells, and an audit event of its own."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, update

from reviewboard.audit.models import AuditEvent
from reviewboard.audit.services import record_event
from reviewboard.core.export import safe_cell
from tests.integration.test_audit_trail import _unguard
from tests.support.http import login, post_form, token_for


def _seqs(html: str) -> list[int]:
    import re

    return [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.mark.parametrize("roles,status", [(("submitter",), 403), (("reviewer",), 403), (("chair",), 200),
                                          (("auditor",), 200)])
def test_only_chairs_and_auditors_open_the_trail(client, make, roles, status):
    login(client, make.user(*roles))
    assert client.get("/audit").status_code == status


def test_a_submitter_can_neither_verify_nor_export(client, make):
    login(client, make.user("submitter"))
    token = token_for(client, "/dashboard")
    assert client.post("/audit/verify", data={"csrf_token": token}).status_code == 403
    assert client.post("/audit/export.csv", data={"csrf_token": token}).status_code == 403


def test_events_show_seq_hash_and_previous_hash_and_filter_by_project_stage_person_action(client, make, db_session):
    stage = make.submitted_stage(name="Lighthouse Triage")
    other = make.project(name="Harbour Scoring")
    auditor = make.user("auditor", name="Ada Auditor")
    db_session.commit()
    login(client, auditor)
    events = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).all()
    page = client.get("/audit").get_data(as_text=True)
    newest = events[0]
    assert f'data-seq="{newest.seq}"' in page and newest.entry_hash in page and newest.prev_hash in page

    project_page = client.get(f"/audit?project={stage.project_id}").get_data(as_text=True)
    mine = set(_seqs(project_page))
    assert mine and all(
        (e.object_type == "project" and e.object_id == str(stage.project_id))
        or (e.object_type == "stage_review" and int(e.object_id) in {s.id for s in stage.project.stages})
        or e.object_type in ("evidence", "condition")
        for e in events if e.seq in mine)
    assert not any(e.seq in mine for e in events if e.object_type == "project" and e.object_id == str(other.id))
    stage_seqs = set(_seqs(client.get(f"/audit?stage={stage.id}").get_data(as_text=True)))
    assert stage_seqs and stage_seqs <= mine
    assert any(e.action == "stage.submitted" and e.seq in stage_seqs for e in events)

    submitted = set(_seqs(client.get("/audit?action=stage.submitted").get_data(as_text=True)))
    assert submitted == {e.seq for e in events if e.action == "stage.submitted"}
    prefix = set(_seqs(client.get("/audit?action=stage.").get_data(as_text=True)))
    assert submitted < prefix and all(e.action.startswith("stage.") for e in events if e.seq in prefix)

    owner = stage.project.owner
    by_person = set(_seqs(client.get(f"/audit?user={owner.email}").get_data(as_text=True)))
    assert by_person == {e.seq for e in events if e.actor_id == owner.id}


def test_dates_and_bad_input_never_fail(client, make, db_session):
    make.project()
    login(client, make.user("chair"))
    today = db_session.scalar(select(AuditEvent.created_at).order_by(AuditEvent.seq.desc()).limit(1)).date()
    assert _seqs(client.get(f"/audit?since={today}&until={today}").get_data(as_text=True))
    assert _seqs(client.get("/audit?until=2000-01-01").get_data(as_text=True)) == []
    for query in ("project=abc", "stage=-1", "since=2026-13-45", "before=x", "after=%00", "user=%00%25_",
                  "action=" + "x" * 500, "project=99999999999999999999"):
        response = client.get(f"/audit?{query}")
        assert response.status_code == 200, query
    assert "is not understood and was ignored" in client.get("/audit?project=abc").get_data(as_text=True)


def test_keyset_pages_are_stable_when_events_are_added(app, client, make, db_session):
    actor = make.user("auditor")
    for i in range(7):
        record_event(None, "test.event", "thing", i)
    db_session.commit()
    app.config["AUDIT_PER_PAGE"] = 3
    try:
        login(client, actor)
        first = _seqs(client.get("/audit?action=test.event").get_data(as_text=True))
        assert len(first) == 3 and first == sorted(first, reverse=True)
        second = _seqs(client.get(f"/audit?action=test.event&before={first[-1]}").get_data(as_text=True))
        record_event(None, "test.event", "thing", 99)  # written between two page loads
        db_session.commit()
        again = _seqs(client.get(f"/audit?action=test.event&before={first[-1]}").get_data(as_text=True))
        assert again == second and second[0] == first[-1] - 1
        back = _seqs(client.get(f"/audit?action=test.event&after={second[0]}").get_data(as_text=True))
        assert back == first
    finally:
        app.config["AUDIT_PER_PAGE"] = 50


def test_verify_the_chain_reports_intact_then_the_first_altered_event(client, make, db_session):
    make.submitted_stage()
    login(client, make.user("auditor"))
    response = post_form(client, "/audit", "/audit/verify", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-chain-ok="yes"' in page and "Chain intact" in page
    victim = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(2).limit(1)).one()
    _unguard(db_session)  # inside the test's transaction, rolled back at its end
    db_session.execute(update(AuditEvent).where(AuditEvent.seq == victim.seq)
                       .values(payload=victim.payload.replace('"actor_name":"', '"actor_name":"X')))
    db_session.commit()
    page = post_form(client, "/audit", "/audit/verify", {}).get_data(as_text=True)
    assert 'data-chain-ok="no"' in page and f"<span data-first-bad-seq>{victim.seq}</span>" in page
    assert "entry hash does not match its content" in page


@pytest.fixture()
def long_trail(app, monkeypatch):
    """Every trail is "too long" for a request: "Verify the chain" goes through the job queue."""
    monkeypatch.setitem(app.config, "AUDIT_VERIFY_WEB_MAX", 1)


def _tamper(db_session) -> int:
    victim = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq).offset(2).limit(1)).one()
    _unguard(db_session)  # inside the test's transaction, rolled back at its end
    db_session.execute(update(AuditEvent).where(AuditEvent.seq == victim.seq)
                       .values(payload=victim.payload.replace('"actor_name":"', '"actor_name":"X')))
    db_session.commit()
    return victim.seq


def test_a_long_trail_is_verified_through_the_job_queue_and_reports_the_first_bad_seq(
        long_trail, client, make, db_session):
    make.submitted_stage()
    auditor = make.user("auditor", name="Vera Verifier")
    db_session.commit()
    bad_seq = _tamper(db_session)
    login(client, auditor)
    response = post_form(client, "/audit", "/audit/verify", {})
    assert response.status_code == 303 and response.headers["Location"].endswith("/audit#verify-background")
    page = client.get("/audit").get_data(as_text=True)  # the suite runs jobs inline: it is done already
    assert 'data-verification="done"' in page and 'data-chain-ok="no"' in page
    assert f"<span data-first-bad-seq>{bad_seq}</span>" in page and "entry hash does not match" in page
    assert "started by Vera Verifier" in page
    started, verified = (db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
                         for action in ("audit.verify_started", "audit.verified"))
    assert started.actor_id == auditor.id and verified.actor_id is None and verified.seq > started.seq


def test_a_background_verification_shows_running_with_a_refresh_link_then_its_result(
        long_trail, app, monkeypatch, client, make, db_session):
    from reviewboard.jobs import outbox
    from reviewboard.jobs.models import Job

    monkeypatch.setitem(app.config, "JOBS_MODE", "outbox")  # the job waits for a worker, as in production
    make.submitted_stage()
    login(client, make.user("chair", name="Cara Chair"))
    post_form(client, "/audit", "/audit/verify", {"action": "stage.submitted"})
    page = client.get("/audit").get_data(as_text=True)
    assert 'data-verification="running"' in page and "Verification running" in page
    assert "started by Cara Chair" in page and 'href="/audit#verify-background">Refresh</a>' in page
    post_form(client, "/audit", "/audit/verify", {})  # pressed again while it runs: still the one job
    jobs = db_session.scalars(select(Job).where(Job.kind == "audit.verify")).all()
    assert len(jobs) == 1
    assert outbox.run_job(jobs[0].id) == "done"
    page = client.get("/audit").get_data(as_text=True)
    assert 'data-verification="done"' in page and 'data-chain-ok="yes"' in page and "Chain intact" in page


def test_verify_and_export_need_the_csrf_token(client, make):
    login(client, make.user("auditor"))
    assert client.post("/audit/verify").status_code == 400
    assert client.post("/audit/export.csv", data={"action": "project.created"}).status_code == 400


def test_export_writes_the_filtered_slice_with_the_chain_head_and_is_audited(client, make, db_session):
    project = make.project(name="=HYPERLINK(\"http://evil.test\")")
    auditor = make.user("auditor", name="-Ada Auditor")
    record_event(auditor, "project.created", "note", "@SUM(A1)")
    db_session.commit()
    login(client, auditor)
    response = post_form(client, "/audit", "/audit/export.csv", {"action": "project.created"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    export_event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert export_event.action == "audit.exported" and export_event.actor_id == auditor.id
    assert '"action":"project.created"' in export_event.payload
    assert rows[0] == ["chain head seq", str(export_event.seq), "chain head hash", export_event.entry_hash]
    assert response.headers["X-Audit-Chain-Head"] == f"{export_event.seq} {export_event.entry_hash}"
    header = rows[3]
    body = [dict(zip(header, r, strict=True)) for r in rows[4:]]
    expected = db_session.scalars(select(AuditEvent.seq).where(AuditEvent.action == "project.created")
                                  .order_by(AuditEvent.seq)).all()
    assert [int(r["seq"]) for r in body] == expected
    assert any(r["object_id"] == str(project.id) for r in body)
    assert any(r["object_id"] == "'@SUM(A1)" and r["actor"] == "'-Ada Auditor" for r in body)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_cells_never_start_a_formula():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "plain", None, 5)] == \
        ["'=1+1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "plain", "", "5"]
