"""Incident pages over HTTP with CSRF on: reporting (and every refusal beside its field, with what was typed
kept and nothing stored), the incident page's actions and their 409 when someone acted first, the register's
filters, overdue highlighting and empty state, the project page's list, and the evidence download."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewboard.incidents import services as incidents
from reviewboard.incidents.models import Incident, IncidentEvidence
from reviewboard.incidents.workflow import IncidentState
from reviewboard.models.base import utcnow
from tests.functional.test_bad_input import _assert_no_traceback, _feedback_beside, _shown
from tests.support.http import login, logout, post_form

PDF = b"%PDF-1.7\n% incident log\n"


def _form(**overrides) -> dict:
    data = {"title": "Wrong urgency for chest pain", "description": "Two patients were triaged as non-urgent.",
            "severity": "serious", "category": "health",
            "detected_on": (utcnow().date() - timedelta(days=1)).isoformat(),
            "affected_count": "2", "affected_description": "Two patients waited 40 minutes."}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _report(client, project, files=(), **overrides):
    page = f"/projects/{project.id}/incidents/new"
    data = _form(**overrides)
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return post_form(client, page, page, data, content_type="multipart/form-data")


def _count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_member_reports_an_incident_and_lands_on_its_page(client, make, db_session):
    project = make.project()
    login(client, project.owner)
    response = _report(client, project, files=[("log.pdf", PDF), ("notes.md", b"# notes\n")])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    incident = db_session.scalars(select(Incident)).one()
    assert response.headers["Location"] == f"/incidents/{incident.id}"
    assert incident.severity == "serious" and incident.category == "health" and incident.affected_count == 2
    assert sorted(e.filename for e in incident.evidence) == ["log.pdf", "notes.md"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Incident reported." in page and "report to the authority by" in page and "EUAIA-73-2" in page
    assert "Project team or a chair: record the report to the authority" in page
    project_page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Wrong urgency for chest pain" in project_page
    listing = client.get(f"/projects/{project.id}/incidents").get_data(as_text=True)
    assert "Wrong urgency for chest pain" in listing
    download = client.get(f"/incidents/{incident.id}/evidence/{incident.evidence[0].id}")
    assert download.status_code == 200 and download.data in (PDF, b"# notes\n")
    assert download.headers["Content-Disposition"].startswith("attachment")


BAD = [
    ({"title": ""}, "title", "Give the incident a short title."),
    ({"description": ""}, "description", "Say what happened."),
    ({"severity": ""}, "severity", "Choose a severity."),
    ({"severity": "apocalyptic"}, "severity", "Choose one of the severities listed."),
    ({"category": ""}, "category", "Say what the serious incident led to."),
    ({"detected_on": None}, "detected_on", "Give the day the incident was detected, as YYYY-MM-DD."),
    ({"detected_on": "yesterday"}, "detected_on", "Not a valid date value."),
    ({"detected_on": (utcnow().date() + timedelta(days=3)).isoformat()}, "detected_on",
     "The detection date cannot be in the future."),
    ({"affected_count": "-4"}, "affected_count", "Give a whole number, 0 or more."),
    ({"affected_count": "many"}, "affected_count", "Not a valid integer value."),
    ({"title": "t" * 201}, "title", "Field cannot be longer than 200 characters."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD)])
def test_a_bad_report_is_refused_beside_the_field_with_the_rest_kept(client, make, db_session, overrides, field,
                                                                    message):
    project = make.project()
    login(client, project.owner)
    response = _report(client, project, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    _assert_no_traceback(html)
    assert message in _feedback_beside(html, field), _feedback_beside(html, field)
    assert ": nothing was saved</h2>" in html
    typed = _form(**overrides)
    for name in ("title", "description", "affected_description"):
        if name != field:
            assert _shown(html, name) == typed[name], name
    if field != "severity":
        assert _shown(html, "severity") == [typed["severity"]]
    assert _count(db_session, Incident) == 0


def test_an_oversized_file_is_refused_beside_the_files_field_and_the_report_is_kept(client, make, db_session, app,
                                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    project = make.project()
    login(client, project.owner)
    response = _report(client, project, files=[("huge.pdf", PDF + b"0" * 64 * 1024)])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _feedback_beside(html, "files") == ["huge.pdf is larger than 64 KiB, the limit for evidence files."]
    assert "choose the evidence files again" in html
    assert _shown(html, "title") == "Wrong urgency for chest pain"
    assert _count(db_session, Incident) == 0 and _count(db_session, IncidentEvidence) == 0
    assert _report(client, project, files=[("small.pdf", PDF)]).status_code == 302  # and carries on


def test_a_file_that_is_not_what_its_name_says_is_refused(client, make, db_session):
    project = make.project()
    login(client, project.owner)
    response = _report(client, project, files=[("report.pdf", b"MZ\x90\x00 a program")])
    assert response.status_code == 422
    assert _feedback_beside(response.get_data(as_text=True), "files") == [
        "The file is named .pdf but its content is not a PDF file."]
    assert _count(db_session, Incident) == 0


def test_who_may_open_the_report_form(client, make):
    project = make.project()
    for person, status in ((make.user("reviewer"), 403), (make.user("auditor"), 403), (make.user("submitter"), 404),
                           (make.user("chair"), 200), (project.owner, 200)):
        login(client, person)
        assert client.get(f"/projects/{project.id}/incidents/new").status_code == status, person.roles
        logout(client)


def _serious(make, project):
    return incidents.report_incident(project.owner, project, incidents.Report(
        "Wrong urgency", "Two patients were triaged as non-urgent.", "serious",
        utcnow().date() - timedelta(days=1), "health"))


def test_a_chair_assesses_the_team_records_the_authority_report_and_a_chair_closes(client, make, db_session):
    project = make.project()
    incident = _serious(make, project)
    chair = make.user("chair")
    page = f"/incidents/{incident.id}"
    login(client, chair)
    response = post_form(client, page, f"{page}/assess", {"severity": "serious", "category": "health",
                                                          "note": "Confirmed after reading the logs."})
    assert response.status_code == 302
    response = post_form(client, page, f"{page}/close", {"resolution": "Retrained."})
    assert response.status_code == 409
    assert "reported to the authority before it is closed" in response.get_data(as_text=True)
    logout(client)
    login(client, project.owner)
    response = post_form(client, page, f"{page}/authority-report", {
        "authority": "Market surveillance authority", "reference": "", "reported_on": utcnow().date().isoformat()})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _feedback_beside(html, "reference") == ["Give the reference the authority gave the report."]
    assert _shown(html, "authority") == "Market surveillance authority"
    response = post_form(client, page, f"{page}/authority-report", {
        "authority": "Market surveillance authority", "reference": "MSA-2026-117",
        "reported_on": utcnow().date().isoformat()})
    assert response.status_code == 302
    assert post_form(client, page, f"{page}/close", {"resolution": "Mine."}).status_code == 403
    logout(client)
    login(client, chair)
    response = post_form(client, page, f"{page}/close", {"resolution": ""})
    assert response.status_code == 422
    response = post_form(client, page, f"{page}/close", {"resolution": "Model retrained; nurses briefed."})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Incident, incident.id).state == IncidentState.CLOSED
    html = client.get(page).get_data(as_text=True)
    for words in ("started the assessment", "recorded the report to the authority", "closed the incident",
                  "MSA-2026-117"):
        assert words in html


def test_a_stale_form_gets_409_with_the_current_page(client, make, db_session):
    project = make.project()
    incident = _serious(make, project)
    chair, other_chair = make.user("chair"), make.user("chair")
    incidents.assess(other_chair, incident, "Taken up.", "serious", "health", False)
    login(client, chair)
    page = f"/incidents/{incident.id}"
    response = client.post(f"{page}/assess", data={"severity": "serious", "category": "health", "note": "Me too.",
                                                   "csrf_token": _token(client, f"/projects/{project.id}")})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "under assessment now" in html and "Nothing was saved." in html


def _token(client, path):
    from tests.support.http import token_for

    return token_for(client, path)


def test_the_register_lists_open_incidents_soonest_due_with_overdue_highlighted(client, make, db_session):
    chair = make.user("chair")
    login(client, chair)
    assert "No open incidents." in client.get("/incidents").get_data(as_text=True)
    project = make.project(name="Harbour crane planner")
    overdue = incidents.report_incident(project.owner, project, incidents.Report(
        "Crane stopped mid-lift", "The planner sent a stop.", "major", utcnow().date() - timedelta(days=30)))
    serious = _serious(make, project)
    html = client.get("/incidents").get_data(as_text=True)
    assert html.index("Crane stopped mid-lift") < html.index("Wrong urgency")
    row = re.search(r'<tr class="table-danger">(.*?)</tr>', html, re.S).group(1)
    assert "Crane stopped mid-lift" in row and "16 days overdue" in row and "A chair: start the assessment" in row
    html = client.get("/incidents?severity=serious").get_data(as_text=True)
    assert "Wrong urgency" in html and "Crane stopped" not in html
    html = client.get("/incidents?overdue=1").get_data(as_text=True)
    assert "Crane stopped" in html and "Wrong urgency" not in html
    html = client.get("/incidents?status=closed").get_data(as_text=True)
    assert "No incidents match these filters." in html
    html = client.get("/incidents?status=bogus&severity=%00&page=abc&q=" + "x" * 500).get_data(as_text=True)
    assert "No incidents match these filters." in html  # junk filters read as defaults, never a 500
    assert serious.id and overdue.id


def test_the_register_pages(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    project = make.project()
    for n in range(5):
        incidents.report_incident(project.owner, project, incidents.Report(
            f"Incident number {n}", "Something.", "minor", utcnow().date() - timedelta(days=n)))
    login(client, make.user("auditor"))
    first = client.get("/incidents").get_data(as_text=True)
    assert "Page 1 of 3" in first and first.count("Incident number") == 2
    third = client.get("/incidents?page=3").get_data(as_text=True)
    assert third.count("Incident number") == 1


def _csrf_case(name, client, make, db_session):
    """(path, page holding the form, data, observe) for one incident form."""
    project = make.project()
    if name == "report":
        login(client, project.owner)
        page = f"/projects/{project.id}/incidents/new"
        return page, page, {**_form(), "files": (PDF, "log.pdf")}, lambda: _count(db_session, Incident)
    incident = _serious(make, project)
    page = f"/incidents/{incident.id}"

    def state():
        db_session.expire_all()
        found = db_session.get(Incident, incident.id)
        return found.state, found.authority_reference, len(found.evidence)

    if name == "evidence":
        login(client, project.owner)
        return f"{page}/evidence", page, {"files": (PDF, "more.pdf")}, state
    if name == "authority report":
        login(client, project.owner)
        return f"{page}/authority-report", page, {"authority": "MSA", "reference": "R-1",
                                                  "reported_on": utcnow().date().isoformat()}, state
    chair = make.user("chair")
    if name == "close":
        incidents.assess(chair, incident, "Minor after all.", "minor", None, False)
        login(client, chair)
        return f"{page}/close", page, {"resolution": "Fixed."}, state
    login(client, chair)
    return f"{page}/assess", page, {"severity": "serious", "category": "health", "note": "Confirmed."}, state


@pytest.mark.parametrize("name", ["report", "evidence", "authority report", "assess", "close"])
def test_an_incident_form_without_its_csrf_token_is_refused_and_changes_nothing(client, make, db_session, name):
    path, page, data, observe = _csrf_case(name, client, make, db_session)
    def fresh():  # a file is read (and closed) by the request that sends it
        return {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}

    before = observe()
    response = client.post(path, data=fresh(), content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The form expired or was not sent from ReviewBoard" in response.get_data(as_text=True)
    assert observe() == before
    response = post_form(client, page, path, fresh(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert observe() != before


def test_the_report_names_the_system_version_once_there_is_one(client, make, db_session):
    from reviewboard.systems.services import add_version

    project = make.project()
    digest = "sha256:" + "cd" * 32
    add_version(project.owner, project, "1.0.0", "", [("model", "weights.bin", digest)])
    newest = add_version(project.owner, project, "1.1.0", "", [("model", "weights.bin", digest)])
    login(client, project.owner)
    html = client.get(f"/projects/{project.id}/incidents/new").get_data(as_text=True)
    assert _shown(html, "version_id") == [str(newest.id)]  # the current version, preselected
    assert _report(client, project, version_id="").status_code == 422
    response = _report(client, project, version_id=str(newest.id))
    assert response.status_code == 302
    assert db_session.scalars(select(Incident)).one().version_id == newest.id
    assert "1.1.0" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/incidents", "/incidents?status=all", "/projects/{project}/incidents",
                                  "/projects/{project}"])
def test_incident_lists_cost_the_same_statements_for_2_incidents_as_for_12(client, make, db_session, path):
    from reviewboard.systems.services import add_version
    from tests.functional.test_list_queries import _statements

    project = make.project()
    add_version(project.owner, project, "1.0.0", "", [("model", "weights.bin", "sha256:" + "ef" * 32)])
    version_id = incidents.versions_of(project)[0].id
    chair = make.user("chair")

    def report(n):
        for k in range(n):
            incident = incidents.report_incident(project.owner, project, incidents.Report(
                f"Incident {k}", "Something.", ("minor", "major", "serious")[k % 3],
                utcnow().date() - timedelta(days=k), "health" if k % 3 == 2 else None, version_id=version_id),
                [incidents.Upload("log.md", b"# log\n")])
            if k % 4 == 1:
                incidents.assess(chair, incident, "Looked at.", incident.severity, incident.category, False)

    report(2)
    login(client, chair)
    few = _statements(db_session, client, path.format(project=project.id))
    report(10)
    many = _statements(db_session, client, path.format(project=project.id))
    assert many == few, f"{path}: {few} statements with 2 incidents, {many} with 12"


def test_chairs_and_auditors_see_open_incidents_on_their_dashboard(client, make):
    project = make.project()
    incidents.report_incident(project.owner, project, incidents.Report(
        "Crane stopped mid-lift", "The planner sent a stop.", "major", utcnow().date() - timedelta(days=30)))
    for person, shown in ((make.user("chair"), True), (make.user("auditor"), True), (project.owner, False),
                          (make.user("reviewer"), False)):
        login(client, person)
        html = client.get("/dashboard").get_data(as_text=True)
        assert ("Open incidents" in html and "Crane stopped mid-lift" in html) == shown, person.roles
        if shown:
            assert "list-group-item-danger" in html  # overdue
        logout(client)


def test_a_chinese_reader_reports_and_reads_an_incident_in_chinese_and_what_is_kept_stays_codes(client, make,
                                                                                              db_session):
    project = make.project()
    project.owner.language = "zh-Hans"
    db_session.flush()
    login(client, project.owner)
    form = client.get(f"/projects/{project.id}/incidents/new").get_data(as_text=True)
    assert ">请选择严重程度…</option>" in form and ">严重事件（欧盟《人工智能法》第 3 条第 49 项）</option>" in form
    assert ">不属于严重事件</option>" in form and ">对人员健康造成严重损害</option>" in form
    assert "Serious harm to a person's health" not in form and "Choose a severity" not in form
    response = _report(client, project)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "对人员健康造成严重损害" in page  # what it led to
    assert "最迟在知悉严重事件后 15 天内，向市场监督主管机关报告该事件。" in page  # the deadline rule and its source
    assert "欧盟《人工智能法》（第 2024/1689 号条例）第 73 条第 2 款" in page
    assert "Report the serious incident" not in page and "Art. 73(2)" not in page
    incident = db_session.scalars(select(Incident)).one()
    # what the incident keeps (and the audit event) stays codes and English
    assert (incident.severity, incident.category, incident.rules_version, incident.due_rule) == \
        ("serious", "health", "1.1.0", "EUAIA-73-2")
    incidents.assess(make.user("chair"), incident, "Taken up.", "major", None, False)
    db_session.flush()
    listing = client.get(f"/projects/{project.id}/incidents").get_data(as_text=True)
    assert re.search(r'<span class="badge bg-light text-dark border">\s*重大</span>', listing)
    assert "主席: 填写处理结果并关闭事件" in listing  # who acts next, in the interface's words
    assert "Major" not in listing and "A chair" not in listing
    logout(client)
    login(client, make.user("chair"))  # an English reader: unchanged
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Assess and close a major incident within 14 days of its detection." in page and "重大" not in page
    register = client.get("/incidents?status=all").get_data(as_text=True)
    assert '<option value="major">Major</option>' in register


def test_an_incident_reported_under_the_1_0_0_rules_still_shows_them(client, make, db_session):
    project = make.project()
    incident = incidents.report_incident(project.owner, project, incidents.Report(
        "Crane stopped mid-lift", "It stopped.", "minor", utcnow().date(), None, False, None, "", None))
    incident.rules_version = "1.0.0"  # reported before 1.1.0 was in force
    project.owner.language = "zh-Hans"
    db_session.flush()
    login(client, project.owner)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "RB-ASSESS-MINOR" in page and "1.0.0" in page
    # 1.0.0 is English only: its rule reads as it was published
    assert "Assess and close a minor incident within 30 days of its detection." in page
    incident.rules_version = "0.9.0"  # a version no longer shipped: the rules in force, rather than an error
    db_session.flush()
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "轻微事件须在发现后 30 天内完成评估并结案。" in page and "0.9.0" in page
