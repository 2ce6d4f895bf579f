"""The committee metrics page over HTTP with CSRF on: chairs and auditors only, each chart with its table
(caption, column and row headers), the filters kept in the form and in the exports, unreadable filters named
(400, what was typed kept), empty states, and the CSV and XLSX exports (formula-safe, one audit event each)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewboard.audit.models import AuditEvent
from reviewboard.models.base import utcnow
from reviewboard.reviews.workflow import Outcome
from tests.integration.test_metrics import rounds, signoff
from tests.support.http import login, post_form

EVIL = '=HYPERLINK("http://evil.test","x")'


@pytest.fixture
def decided(make, db_session):
    """Two Design rounds decided two days ago (1 and 3 days long, high tier), one signed by a reviewer whose
    name a spreadsheet would run as a formula."""
    now = utcnow()
    reviewer = make.user("reviewer", name=EVIL)
    high, low = make.project(), make.project()
    high.tier, low.tier = "high", "low"
    (first,) = rounds(db_session, high.stages[0], (now - timedelta(days=3), now - timedelta(days=2), Outcome.APPROVE))
    rounds(db_session, low.stages[0], (now - timedelta(days=5), now - timedelta(days=2), Outcome.REJECT))
    signoff(db_session, first, reviewer, now - timedelta(days=2))
    db_session.commit()
    return reviewer


def _exports(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "metrics.exported"))


def test_each_chart_has_a_table_of_the_same_numbers(client, make, decided):
    login(client, make.user("chair"))
    page = client.get("/metrics").get_data(as_text=True)
    assert page.count('src="data:image/svg+xml;base64,') >= 4
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="Bar chart: review cycle time by stage', page)
    cycle = page[page.index('id="cycle"'):page.index('id="trend"')]
    assert "<caption>Review cycle time by stage" in cycle and '<th scope="col"' in cycle
    assert re.search(r'<th scope="row">Design</th>\s*\s*<td class="text-end">2</td>\s*<td class="text-end">2.0</td>'
                     r'\s*<td class="text-end">2.8</td>', cycle)  # 1 and 3 days: median 2, p90 2.8
    assert 'href="/metrics"' in page  # the menu links it for chairs


def test_filters_are_kept_in_the_form_and_the_exports(client, make, decided):
    login(client, make.user("auditor"))
    since = (utcnow() - timedelta(days=30)).date().isoformat()
    page = client.get(f"/metrics?since={since}&tier=high&pipeline=standard").get_data(as_text=True)
    assert f'name="since" value="{since}"' in page and '<option value="high" selected>' in page
    assert '<option value="standard" selected>' in page
    assert page.count(f'<input type="hidden" name="since" value="{since}">') >= 2  # XLSX and each CSV form
    cycle = page[page.index('id="cycle"'):page.index('id="trend"')]
    assert re.search(r'<th scope="row">Design</th>\s*<td class="text-end">1</td>', cycle)  # the high-tier round


@pytest.mark.parametrize("query,message", [
    ("since=31-12-2025", "is not a date"),
    ("since=2026-05-01&until=2026-04-01", "after it ends"),
    ("tier=%3Cb%3Eextreme", "no risk tier"),
    ("pipeline=nope", "no pipeline"),
])
def test_unreadable_filters_are_named_with_what_was_typed_kept(client, make, query, message):
    login(client, make.user("chair"))
    response = client.get(f"/metrics?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body and 'role="alert"' in body
    assert "<b>extreme" not in body  # escaped
    if query.startswith("since=31"):
        assert 'name="since" value="31-12-2025"' in body


def test_an_empty_period_says_so(client, make, db_session):
    login(client, make.user("chair"))
    body = client.get("/metrics?since=2001-01-01&until=2001-12-31").get_data(as_text=True)
    assert body.count("data-empty") == 8 and "<img" not in body


def test_csv_export_of_one_table_is_formula_safe_and_audited(client, make, db_session, decided):
    chair = make.user("chair")
    db_session.commit()
    login(client, chair)
    since = (utcnow() - timedelta(days=30)).date().isoformat()
    response = post_form(client, "/metrics", "/metrics/export.csv", {"since": since, "table": "workload"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows == [["Reviewer", "Assigned stages in review now", "Sign-offs in the period", "Recusals in the period"],
                    ["'" + EVIL, "0", "1", "0"]]
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.action == "metrics.exported" and event.actor_id == chair.id
    assert f'"since":"{since}"' in event.payload and '"tables":["workload"]' in event.payload


def test_xlsx_export_has_a_sheet_per_table_and_no_formula(client, make, db_session, decided):
    login(client, make.user("auditor"))
    response = post_form(client, "/metrics", "/metrics/export.xlsx", {"tier": "high"})
    assert response.status_code == 200 and response.data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        workbook = book.read("xl/workbook.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        formulas = [n for n in sheets if "<f>" in book.read(n).decode()]
    assert len(sheets) == 8 and "Review cycle time by stage" in workbook and formulas == []
    assert "HYPERLINK" in strings  # written as a string
    assert _exports(db_session) == 1


def test_export_refuses_bad_filters_unknown_tables_and_other_people(client, make, db_session):
    login(client, make.user("chair"))
    response = post_form(client, "/metrics", "/metrics/export.csv", {"since": "soon", "table": "cycle"})
    assert response.status_code == 302 and "since=soon" in response.headers["Location"]
    assert post_form(client, "/metrics", "/metrics/export.csv", {"table": "secrets"}).status_code == 404
    assert post_form(client, "/metrics", "/metrics/export.pdf", {}).status_code == 404
    assert client.post("/metrics/export.xlsx").status_code == 400  # no CSRF token
    assert _exports(db_session) == 0
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/dashboard").get_data(as_text=True))[1]})
    login(client, make.user("reviewer"))
    assert post_form(client, "/dashboard", "/metrics/export.xlsx", {}).status_code == 403


def test_the_outcomes_table_names_tiers_as_the_other_pages_do(client, make, db_session, decided):
    chair = make.user("chair")
    chair.language = "zh-Hans"
    db_session.commit()
    login(client, chair)
    page = client.get("/metrics").get_data(as_text=True)
    outcomes = page[page.index('id="outcomes"'):page.index('id="rounds"')]
    assert ">高风险</" in outcomes and ">低风险</" in outcomes
    assert not re.search(r">[低中高]</", outcomes) and ">High<" not in outcomes
    chair.language = "en"
    db_session.commit()
    page = client.get("/metrics").get_data(as_text=True)
    outcomes = page[page.index('id="outcomes"'):page.index('id="rounds"')]
    assert ">High</" in outcomes and ">Low</" in outcomes


def test_the_period_names_the_chosen_tier_in_the_readers_language(client, make, db_session):
    chair = make.user("chair")
    chair.language = "zh-Hans"
    db_session.commit()
    login(client, chair)
    page = client.get("/metrics?since=2001-01-01&until=2001-12-31&tier=prohibited").get_data(as_text=True)
    assert "禁止或上报风险等级" in page and "rohibited or escalate" not in page
    page = client.get("/metrics?since=2001-01-01&until=2001-12-31&tier=low").get_data(as_text=True)
    assert "低风险等级" in page
    chair.language = "en"
    db_session.commit()
    page = client.get("/metrics?since=2001-01-01&until=2001-12-31&tier=prohibited").get_data(as_text=True)
    assert "prohibited or escalate tier" in page
