"""Exports of the review queue, the conditions and the decisions over HTTP with CSRF on: each holds the rows its
page shows the person (same query, filters applied), in CSV (streamed) or XLSX, cells never run as formulas,
and each export is an audit event; who may export what. The inventory's own export: test_inventory_page.py;
the audit trail's: test_audit_pages.py."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.models.base import utcnow
from reviewboard.projects.tiering import TIER_ORDER
from reviewboard.records.models import Record
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.support.http import login, logout, post_form

EVIL = '=HYPERLINK("http://evil.test","x")'


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _last_event(db_session) -> AuditEvent:
    return db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()


def test_the_queue_export_holds_the_reviewers_filtered_queue_formula_safe_and_is_audited(client, make, db_session):
    reviewer = make.user("reviewer", "submitter")
    evil = make.submitted_stage(name=EVIL)
    high = make.submitted_stage(name="Queue High")
    mine = make.submitted_stage(owner=reviewer, name="Queue Own")  # a reviewer never reviews their own
    db_session.commit()
    login(client, reviewer)
    rows = _csv(post_form(client, "/queue", "/queue/export.csv", {"status": "waiting"}))
    names = [r["System"] for r in rows]
    assert "'" + EVIL in names and "Queue High" in names and "Queue Own" not in names
    row = next(r for r in rows if r["System"] == "Queue High")
    assert row["Project number"] == str(high.project_id) and row["Round"] == "1" and row["Signatures"] == "0"
    event = _last_event(db_session)
    assert event.action == "queue.exported" and event.actor_id == reviewer.id
    other_tier = next(t for t in TIER_ORDER if t != high.project.tier)
    same = _csv(post_form(client, "/queue", "/queue/export.csv", {"status": "waiting", "tier": high.project.tier}))
    assert "Queue High" in [r["System"] for r in same] and {r["Tier"] for r in same} == {row["Tier"]}
    other = _csv(post_form(client, "/queue", "/queue/export.csv", {"status": "waiting", "tier": other_tier}))
    assert {evil.project_id, high.project_id, mine.project_id}.isdisjoint(int(r["Project number"]) for r in other)


def test_the_conditions_export_holds_what_the_person_follows(client, make, db_session):
    stage = make.submitted_stage(name="Cond Export")
    first, second = make.reviewers(2)
    owner = stage.project.owner
    due = utcnow().date() + timedelta(days=30)
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS, conditions=[ConditionEntry(EVIL, owner.id, due)])
    make.sign(second, stage)
    make.project(name="Cond Other")
    stranger = make.user("submitter")
    db_session.commit()
    login(client, owner)
    rows = _csv(post_form(client, "/conditions", "/conditions/export.csv", {}))
    assert [(r["System"], r["Text"], r["Owner"], r["Due"], r["Status"]) for r in rows] == \
        [("Cond Export", "'" + EVIL, owner.name, due.isoformat(), "open")]
    event = _last_event(db_session)
    assert event.action == "conditions.exported" and '"rows":1' in event.payload
    logout(client)
    login(client, stranger)
    assert _csv(post_form(client, "/conditions", "/conditions/export.csv", {"status": "all"})) == []


def test_the_decisions_export_lists_each_decided_round_with_its_deciders_and_record(client, make, db_session):
    stage = make.submitted_stage(name="Decided Export")
    first, second = make.reviewers(2)
    make.sign(first, stage)
    make.sign(second, stage)
    make.submitted_stage(name="Decided Pending")  # in review: no decision yet
    db_session.commit()
    record = db_session.scalars(select(Record).where(Record.stage_review_id == stage.id)).one()
    login(client, make.user("auditor"))
    rows = _csv(post_form(client, "/inventory", "/inventory/decisions.csv", {"q": "decided"}))
    assert len(rows) == 1
    row = rows[0]
    assert (row["System"], row["Stage"], row["Round"], row["Outcome"]) == ("Decided Export", stage.name, "1",
                                                                            "Approve")
    assert first.name in row["Deciders"] and second.name in row["Deciders"]
    assert row["Record"] == f"{record.public_id} v{record.version}" and row["Record file SHA-256"] == record.pdf_sha256
    event = _last_event(db_session)
    assert event.action == "decisions.exported" and '"q":"decided"' in event.payload
    logout(client)
    login(client, make.user("submitter"))  # sees no one else's systems, so none of their decisions
    assert _csv(post_form(client, "/inventory", "/inventory/decisions.csv", {"q": "decided"})) == []


def test_an_xlsx_export_writes_text_never_a_formula(client, make, db_session):
    make.submitted_stage(name=EVIL)
    db_session.commit()
    login(client, make.user("chair"))
    response = post_form(client, "/queue", "/queue/export.xlsx", {"status": "all"})
    assert response.status_code == 200 and response.data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "<t>=HYPERLINK(" in strings


def test_an_export_over_its_cap_is_refused_with_the_reason_and_not_audited(app, monkeypatch, client, make,
                                                                           db_session):
    make.submitted_stage()
    make.submitted_stage()
    chair = make.user("chair")
    db_session.commit()
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 1)
    login(client, chair)
    before = _last_event(db_session).seq
    response = post_form(client, "/queue", "/queue/export.csv", {"status": "all", "tier": "bogus"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/queue?")
    assert "More than 1 stages match" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _last_event(db_session).seq == before


@pytest.mark.parametrize("roles,queue,conditions,decisions", [
    (("submitter",), 403, 200, 200), (("reviewer",), 200, 200, 200), (("chair",), 200, 200, 200),
    (("auditor",), 403, 200, 200)])
def test_who_may_export_what(client, make, roles, queue, conditions, decisions):
    login(client, make.user(*roles))
    assert post_form(client, "/dashboard", "/queue/export.csv", {}).status_code == queue
    assert post_form(client, "/dashboard", "/conditions/export.csv", {}).status_code == conditions
    assert post_form(client, "/dashboard", "/inventory/decisions.csv", {}).status_code == decisions
    assert post_form(client, "/dashboard", "/conditions/export.pdf", {}).status_code == 404
    assert client.post("/conditions/export.csv").status_code == 400  # no CSRF token


def test_a_csv_export_streams_its_rows_while_it_is_sent(app):
    from reviewboard.core.export import Table, download

    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n, f"row {n}"]

    with app.test_request_context():
        response = download(Table("t", "T", ("n", "text"), rows()), "csv")
        assert response.is_streamed and read == []  # nothing read before the body is sent
        body = b"".join(response.response).decode("utf-8-sig")
    assert body.splitlines() == ["n,text", "0,row 0", "1,row 1", "2,row 2"] and read == [0, 1, 2]
