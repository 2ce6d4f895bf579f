"""The AI inventory over HTTP: each person sees the systems they may see, with tier, pipeline, current stage,
last decision, open and overdue conditions; filters, search by name, sorting on columns and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_skeleton
from sqlalchemy import update

from reviewboard.models.base import utcnow
from reviewboard.reviews.models import Condition
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome
from tests.support.http import login, logout


def _names(html: str) -> list[str]:
    return re.findall(r'<tr data-project="\d+">\s*<td><a href="/projects/\d+">([^<]+)</a>', html)


def test_a_submitter_sees_only_their_systems_and_a_chair_sees_all(client, make, db_session):
    mine = make.project(name="Alpha Triage")
    make.project(name="Beta Scoring")
    db_session.commit()
    login(client, mine.owner)
    assert _names(client.get("/inventory").get_data(as_text=True)) == ["Alpha Triage"]
    logout(client)
    login(client, make.user("chair"))
    assert set(_names(client.get("/inventory").get_data(as_text=True))) >= {"Alpha Triage", "Beta Scoring"}


def test_a_row_shows_stage_last_decision_and_open_and_overdue_conditions(client, make, db_session):
    stage = make.submitted_stage(name="Gamma Forecast")
    first, second = make.reviewers(2)
    owner = stage.project.owner
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[ConditionEntry("Publish the model card", owner.id, utcnow().date() + timedelta(days=30)),
                          ConditionEntry("Add a bias audit", owner.id, utcnow().date() + timedelta(days=40))])
    make.sign(second, stage)
    late = stage.conditions[0].id
    db_session.execute(update(Condition).where(Condition.id == late)
                       .values(due_date=utcnow().date() - timedelta(days=2)))
    db_session.commit()
    login(client, make.user("auditor"))
    page = client.get("/inventory?q=Gamma").get_data(as_text=True)
    assert _names(page) == ["Gamma Forecast"]
    assert 'data-open="2" data-overdue="1"' in page and "1 overdue" in page
    assert f"{stage.name}: Approved with conditions" in page
    assert stage.project.pipeline.name in page


def test_filters_sorting_and_bad_input(client, make, db_session):
    make.project(name="Zeta Low")
    make.project(name="Eta Other")
    make.submitted_stage(name="Theta In Review")
    db_session.commit()
    login(client, make.user("chair"))
    by_name = _names(client.get("/inventory?sort=name&dir=asc&q=eta").get_data(as_text=True))
    assert by_name == sorted(by_name, key=str.lower) and len(by_name) == 3
    assert _names(client.get("/inventory?sort=name&dir=desc&q=eta").get_data(as_text=True)) == by_name[::-1]
    in_review = _names(client.get("/inventory?state=in_review&q=eta").get_data(as_text=True))
    assert in_review == ["Theta In Review"]
    for query in ("sort=evil", "dir=sideways", "tier=none", "state=%00", "pipeline=x" * 50, "page=-1",
                  "q=" + "x" * 1000, "sort=next_review", "sort=tier&dir=desc", "pipeline=standard"):
        response = client.get(f"/inventory?{query}")
        assert response.status_code == 200, query
    tiers = _names(client.get("/inventory?tier=low&q=eta").get_data(as_text=True))
    assert set(tiers) <= set(by_name)


def test_sorting_by_next_review_puts_the_soonest_first_and_systems_without_one_last(client, make, db_session):
    from reviewboard.reviews.models import StageReview

    early, mid, _none = (make.project(name=f"Omicron {n}") for n in ("Early", "Mid", "None"))
    today = utcnow().date()
    # a system's next review is its stages' earliest: Early's is in 5 days (not 40), Mid's in 10
    for stage, days in ((early.stages[0], 40), (early.stages[1], 5), (mid.stages[0], 10)):
        db_session.execute(update(StageReview).where(StageReview.id == stage.id)
                           .values(next_review_on=today + timedelta(days=days)))
    db_session.commit()
    login(client, make.user("chair"))
    ascending = _names(client.get("/inventory?sort=next_review&dir=asc&q=omicron").get_data(as_text=True))
    assert ascending == ["Omicron Early", "Omicron Mid", "Omicron None"]
    descending = _names(client.get("/inventory?sort=next_review&dir=desc&q=omicron").get_data(as_text=True))
    assert descending == ["Omicron Mid", "Omicron Early", "Omicron None"]



def test_pages_sorted_by_next_review_run_on_from_the_systems_with_a_date_to_those_without(
        app, monkeypatch, client, make, db_session):
    """By next review the inventory is read in two parts (dated, then undated): a page may span both."""
    from reviewboard.reviews.models import StageReview

    projects = [make.project(name=f"Pi {n}") for n in range(5)]
    today = utcnow().date()
    for days, project in zip((30, 10, 20), projects[:3], strict=True):
        db_session.execute(update(StageReview).where(StageReview.id == project.stages[0].id)
                           .values(next_review_on=today + timedelta(days=days)))
    db_session.commit()
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    login(client, make.user("chair"))
    pages = [_names(client.get(f"/inventory?sort=next_review&dir=asc&q=pi+&page={n}").get_data(as_text=True))
             for n in (1, 2, 3)]
    assert pages == [["Pi 1", "Pi 2"], ["Pi 0", "Pi 3"], ["Pi 4"]]
    body = _export(client, "csv", q="pi ", sort="next_review", dir="asc").get_data().decode("utf-8-sig")
    assert [line.split(",")[0] for line in body.splitlines()[1:]] == ["Pi 1", "Pi 2", "Pi 0", "Pi 3", "Pi 4"]


def _export(client, fmt: str, **filters):
    from tests.support.http import post_form

    return post_form(client, "/inventory", f"/inventory/export.{fmt}", filters)


def test_csv_export_has_the_filtered_systems_formula_safe_and_is_audited(client, make, db_session):
    import csv
    import io

    from sqlalchemy import select

    from reviewboard.audit.models import AuditEvent

    make.project(name='=HYPERLINK("http://evil.test","x")')
    make.project(name="Iota Plain")
    chair = make.user("chair")
    db_session.commit()
    login(client, chair)
    response = _export(client, "csv", q="hyperlink")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][0] == "System" and len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.test\",\"x\")"
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert event.action == "inventory.exported" and event.actor_id == chair.id
    assert '"q":"hyperlink"' in event.payload and '"rows":1' in event.payload


def test_xlsx_export_writes_text_never_a_formula(client, make, db_session):
    import io
    import zipfile

    make.project(name="=1+1 Kappa")
    db_session.commit()
    login(client, make.user("auditor"))
    response = _export(client, "xlsx", q="kappa")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in sheet and "=1+1 Kappa" in strings


def test_a_submitter_exports_only_their_own_systems(client, make, db_session):
    mine = make.project(name="Lambda Mine")
    make.project(name="Lambda Theirs")
    db_session.commit()
    login(client, mine.owner)
    body = _export(client, "csv", q="lambda").get_data().decode("utf-8-sig")
    assert "Lambda Mine" in body and "Lambda Theirs" not in body


def test_export_needs_csrf_and_a_known_format(client, make):
    login(client, make.user("chair"))
    assert client.post("/inventory/export.csv").status_code == 400
    from tests.support.http import post_form

    assert post_form(client, "/inventory", "/inventory/export.pdf", {}).status_code == 404


def test_the_timeline_shows_rounds_decisions_records_and_conditions_newest_first(client, make, db_session):
    stage = make.submitted_stage(name="Mu Timeline")
    first, second = make.reviewers(2)
    owner = stage.project.owner
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[ConditionEntry("Publish the model card", owner.id, utcnow().date() + timedelta(days=30))])
    make.sign(second, stage)
    db_session.commit()
    login(client, owner)
    page = client.get(f"/inventory/{stage.project_id}").get_data(as_text=True)
    kinds = re.findall(r'data-kind="(\w+)"', page)
    assert kinds[-1] == "project" and {"round", "decision", "record", "condition"} <= set(kinds)
    times = re.findall(r'<time class="text-muted small d-block" datetime="([^"]+)"', page)
    assert times == sorted(times, reverse=True)
    assert f"{stage.name}: round 1 submitted" in page and "Condition set" in page
    logout(client)
    login(client, make.user("submitter"))
    assert client.get(f"/inventory/{stage.project_id}").status_code == 404


def test_a_chinese_reader_reads_the_timeline_and_the_duties_in_chinese_while_the_export_stays_english(
        client, make, db_session):
    stage = make.submitted_stage(name="Nu Timeline", generative_public=True)
    first, second = make.reviewers(2)
    owner = stage.project.owner
    due = utcnow().date() + timedelta(days=30)
    make.sign(first, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[ConditionEntry("Publish the model card", owner.id, due)])
    make.sign(second, stage)
    owner.language = "zh-Hans"
    db_session.commit()
    login(client, owner)
    page = client.get(f"/inventory/{stage.project_id}").get_data(as_text=True)
    assert "已登记" in page and "设计：第 1 轮已提交" in page and "设计：第 1 轮已作出决定，附条件批准" in page
    assert "设计：已签发签署记录第 1 版" in page
    assert f"已设定附加条件（{format_skeleton('yMMMd', due, locale='zh_Hans')} 到期）：Publish the model card" in page
    assert "round 1 submitted" not in page and "Registered" not in page
    listing = client.get("/inventory?q=Nu").get_data(as_text=True)
    assert "为面向公众提供的生成式人工智能服务办理备案" in listing
    body = _export(client, "csv", q="Nu").get_data().decode("utf-8-sig")
    assert "File the generative AI service offered to the public" in body and "备案" not in body


def test_the_inventory_costs_the_same_statements_for_2_systems_as_for_12(client, make, db_session):
    """Duties (from each system's facts) and the latest certificate are read for the whole page at once."""
    from tests.functional.test_list_queries import _statements

    def systems(n):
        for k in range(n):
            project = make.project(name=f"Kappa {k}")
            project.sector, project.public_service, project.user_count = "health", True, 2_000_000
        db_session.commit()

    systems(2)
    login(client, make.user("chair"))
    few = _statements(db_session, client, "/inventory?q=Kappa")
    systems(10)
    many = _statements(db_session, client, "/inventory?q=Kappa")
    assert many == few, f"/inventory: {few} statements with 2 systems, {many} with 12"
