"""Incidents through the services, on both engines: reporting (who may, the deadline the rules set, evidence
files checked like stage evidence), what a serious incident does (the stages the rules name reopen), the
lifecycle to closure with an audit event per change, the register's filters, and the next record."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from reviewboard.audit.models import AuditEvent
from reviewboard.core.errors import Conflict, NotPermitted, ServiceError
from reviewboard.incidents import rules as incident_rules
from reviewboard.incidents import services as incidents
from reviewboard.incidents.models import Incident, IncidentEvidence
from reviewboard.incidents.workflow import IncidentState
from reviewboard.models.base import utcnow
from reviewboard.records.models import Record
from reviewboard.records.pdf import TEMPLATE_VERSION, render_record_html
from reviewboard.records.services import build_record_data
from reviewboard.records.signing import extract_embedded_record
from reviewboard.reviews.workflow import Outcome, StageState

PDF = b"%PDF-1.7\n% incident log\n"


def _report(**overrides) -> incidents.Report:
    fields = {"title": "Wrong urgency for chest pain", "description": "Two patients were triaged as non-urgent.",
              "severity": "major", "detected_on": utcnow().date() - timedelta(days=1), "affected_count": 2,
              "affected_description": "Two patients waited 40 minutes."}
    fields.update(overrides)
    return incidents.Report(**fields)


def _events(db_session, incident, action=None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.object_type == "incident", AuditEvent.object_id == str(incident.id))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db_session.scalars(stmt.order_by(AuditEvent.seq)))


def _approved(make):
    """A project whose first stage (Design) is approved."""
    stage = make.submitted_stage()
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    assert stage.state == StageState.APPROVED
    return stage


@pytest.fixture()
def reopens_design(monkeypatch):
    """The shipped rules reopen DEP and OPS; here the rules name DES, the stage a test project can pass."""
    shipped = incident_rules.load_rules()
    assert shipped.reopens == ("DEP", "OPS")
    monkeypatch.setattr(incidents, "load_rules", lambda: dataclasses.replace(shipped, reopens=("DES",)))


def test_a_member_reports_an_incident_with_its_deadline_evidence_and_audit_event(make, db_session):
    project = make.project()
    detected = utcnow().date() - timedelta(days=3)
    incident = incidents.report_incident(project.owner, project, _report(detected_on=detected),
                                         [incidents.Upload("log.pdf", PDF)])
    assert incident.state == IncidentState.REPORTED
    assert (incident.due_rule, incident.due_duty, incident.due_on) == ("RB-ASSESS-MAJOR", "close",
                                                                       detected + timedelta(days=14))
    assert incident.rules_version == "1.1.0"
    [evidence] = incident.evidence
    assert evidence.filename == "log.pdf" and evidence.size == len(PDF) and len(evidence.sha256) == 64
    reported = _events(db_session, incident, "incident.reported")[0]
    assert json.loads(reported.payload)["after"]["due_on"] == incident.due_on.isoformat()
    assert _events(db_session, incident, "incident.evidence_added")


@pytest.mark.parametrize(("category", "widespread", "rule", "days"), [
    ("health", False, "EUAIA-73-2", 15),
    ("death", False, "EUAIA-73-4", 10),
    ("critical_infrastructure", False, "EUAIA-73-3", 2),
    ("fundamental_rights", True, "EUAIA-73-3-WIDESPREAD", 2),
])
def test_a_serious_incident_must_be_reported_to_the_authority_within_the_art_73_deadline(make, category, widespread,
                                                                                      rule, days):
    project = make.project()
    detected = utcnow().date() - timedelta(days=1)
    incident = incidents.report_incident(project.owner, project, _report(
        severity="serious", category=category, widespread=widespread, detected_on=detected))
    assert (incident.due_rule, incident.due_duty) == (rule, "report")
    assert incident.due_on == detected + timedelta(days=days)
    assert [i.id for i in incidents.open_serious_incidents(project.id)] == [incident.id]


def test_chairs_report_too_but_reviewers_auditors_and_other_teams_cannot(make):
    project = make.project()
    chair = make.user("chair")
    assert incidents.report_incident(chair, project, _report()).reported_by_id == chair.id
    for outsider in (make.user("reviewer"), make.user("auditor"), make.user("submitter")):
        with pytest.raises(NotPermitted):
            incidents.report_incident(outsider, project, _report())


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": "  "}, "title", "Give the incident a short title."),
    ({"description": ""}, "description", "Say what happened."),
    ({"severity": "catastrophic"}, "severity", "Choose one of the severities listed."),
    ({"severity": "serious", "category": None}, "category", "Say what the serious incident led to."),
    ({"detected_on": None}, "detected_on", "Give the day the incident was detected."),
    ({"detected_on": utcnow().date() + timedelta(days=2)}, "detected_on",
     "The detection date cannot be in the future."),
    ({"affected_count": -1}, "affected_count", "Give the number of people affected as a whole number, 0 or more."),
])
def test_bad_reports_are_refused_by_field_and_nothing_is_stored(make, db_session, overrides, field, message):
    project = make.project()
    with pytest.raises(ServiceError) as caught:
        incidents.report_incident(project.owner, project, _report(**overrides), [incidents.Upload("log.pdf", PDF)])
    assert (caught.value.field, caught.value.message) == (field, message)
    assert db_session.scalar(select(func.count()).select_from(Incident)) == 0
    assert db_session.scalar(select(func.count()).select_from(IncidentEvidence)) == 0


def test_a_bad_file_refuses_the_whole_report(make, db_session, app, monkeypatch):
    project = make.project()
    with pytest.raises(ServiceError) as caught:
        incidents.report_incident(project.owner, project, _report(), [incidents.Upload("log.pdf", PDF),
                                                                      incidents.Upload("tool.pdf", b"MZ\x90\x00")])
    assert caught.value.field == "files" and "not a PDF file" in caught.value.message
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    with pytest.raises(ServiceError) as caught:
        incidents.report_incident(project.owner, project, _report(), [incidents.Upload("big.pdf", PDF + b"0" * 1024)])
    assert caught.value.message == "big.pdf is larger than 1 KiB, the limit for evidence files."
    assert db_session.scalar(select(func.count()).select_from(Incident)) == 0


def test_a_serious_incident_reopens_the_passed_stages_the_rules_name(make, db_session, reopens_design):
    stage = _approved(make)
    incident = incidents.report_incident(stage.project.owner, stage.project,
                                         _report(severity="serious", category="health"))
    assert stage.state == StageState.DRAFT
    reopened = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "stage.reopened",
                                                           AuditEvent.object_id == str(stage.id))).one()
    after = json.loads(reopened.payload)["after"]
    assert (after["trigger"], after["incident_id"]) == ("incident", incident.id)


def test_the_reopened_stage_names_the_serious_incident_in_its_readers_language(client, make, db_session,
                                                                               reopens_design):
    from tests.support.http import login

    stage = _approved(make)
    project = stage.project
    incident = incidents.report_incident(project.owner, project, _report(severity="serious", category="health"))
    login(client, project.owner)
    english = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert f"Reopened for re-review: Serious incident {incident.id} reported: {incident.title}" in english
    project.owner.language = "zh-Hans"
    db_session.flush()
    chinese = client.get(f"/stages/{stage.id}").get_data(as_text=True)
    assert f"已重新开启以重新审查：已报告严重事件 {incident.id}：{incident.title}" in chinese


def test_a_minor_incident_reopens_nothing(make, reopens_design):
    stage = _approved(make)
    incidents.report_incident(stage.project.owner, stage.project, _report(severity="minor"))
    assert stage.state == StageState.APPROVED


def test_the_whole_lifecycle_of_a_serious_incident_each_step_audited(make, db_session):
    project = make.project()
    chair = make.user("chair")
    incident = incidents.report_incident(project.owner, project, _report(severity="serious", category="health"))
    incidents.assess(chair, incident, "Confirmed: the model under-weights chest pain.", "serious", "health", False)
    assert incident.state == IncidentState.UNDER_ASSESSMENT and incident.assessed_by_id == chair.id
    with pytest.raises(Conflict, match="reported to the authority before it is closed"):
        incidents.close(chair, incident, "Retrained.")
    with pytest.raises(ServiceError, match="cannot be in the future"):
        incidents.record_authority_report(project.owner, incident, "Authority", "REF-1",
                                          utcnow().date() + timedelta(days=1))
    with pytest.raises(ServiceError, match="before the incident was detected"):
        incidents.record_authority_report(project.owner, incident, "Authority", "REF-1",
                                          incident.detected_on - timedelta(days=1))
    incidents.record_authority_report(project.owner, incident, "Market surveillance authority", "MSA-2026-117",
                                      utcnow().date())
    assert incident.state == IncidentState.REPORTED_TO_AUTHORITY and incident.duty_met
    with pytest.raises(NotPermitted):
        incidents.close(project.owner, incident, "Done.")  # the team does not close its own incident
    incidents.close(chair, incident, "Model retrained with chest-pain cases; nurses briefed.")
    assert incident.state == IncidentState.CLOSED and not incident.open
    assert incidents.open_serious_incidents(project.id) == []
    assert [e.action for e in _events(db_session, incident)] == [
        "incident.reported", "incident.assessed", "incident.reported_to_authority", "incident.closed"]
    with pytest.raises(Conflict):
        incidents.add_evidence(project.owner, incident, [incidents.Upload("late.pdf", PDF)])


def test_an_assessment_can_reclassify_and_a_chair_of_the_project_cannot_assess(make, reopens_design):
    stage = _approved(make)
    project = stage.project
    incident = incidents.report_incident(project.owner, project, _report(severity="minor"))
    member_chair = make.user("chair")
    from reviewboard.projects.models import ProjectMember

    project.members.append(ProjectMember(user_id=member_chair.id))
    make.session.flush()
    with pytest.raises(NotPermitted):
        incidents.assess(member_chair, incident, "Looks fine.", "minor", None, False)
    chair = make.user("chair")
    incidents.assess(chair, incident, "It was a death.", "serious", "death", False)
    assert (incident.due_rule, incident.due_on) == ("EUAIA-73-4", incident.detected_on + timedelta(days=10))
    assert stage.state == StageState.DRAFT  # becoming serious reopens what the rules name
    with pytest.raises(Conflict):
        incidents.assess(chair, incident, "Again.", "serious", "death", False)


def test_the_database_refuses_a_closed_incident_without_its_resolution(make, db_session):
    project = make.project()
    incident = incidents.report_incident(project.owner, project, _report())
    incident.state = IncidentState.CLOSED
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_the_register_filters_by_status_severity_overdue_and_words(make, db_session):
    project = make.project(name="Harbour pilot scheduler")
    old = utcnow().date() - timedelta(days=40)
    overdue = incidents.report_incident(project.owner, project, _report(title="Crane stopped", detected_on=old))
    serious = incidents.report_incident(project.owner, project, _report(title="Worker hurt", severity="serious",
                                                                       category="health"))
    minor = incidents.report_incident(project.owner, project, _report(title="Typo in alert", severity="minor"))
    chair = make.user("chair")
    incidents.assess(chair, minor, "Cosmetic.", "minor", None, False)
    incidents.close(chair, minor, "Fixed the text.")

    def ids(**kwargs):
        return [i.id for i in db_session.scalars(incidents.register_query(incidents.RegisterFilter(**kwargs)))]

    assert ids() == [overdue.id, serious.id]  # open ones, soonest (here: long past) due first
    assert ids(status="closed") == [minor.id]
    assert ids(status="all", severity="serious") == [serious.id]
    assert ids(overdue=True) == [overdue.id]
    assert overdue.overdue_on(utcnow().date()) and not serious.overdue_on(utcnow().date())
    assert ids(search="harbour") == [overdue.id, serious.id] and ids(search="crane") == [overdue.id]
    assert incidents.next_step(serious) == ("Project team or a chair", "record the report to the authority")
    assert incidents.next_step(overdue) == ("A chair", "start the assessment")


def test_incidents_and_their_closure_are_in_the_next_record(make, db_session):
    stage = make.submitted_stage()
    project = stage.project
    incident = incidents.report_incident(project.owner, project, _report(severity="serious", category="health"),
                                         [incidents.Upload("log.pdf", PDF)])
    incidents.record_authority_report(project.owner, incident, "Market surveillance authority", "MSA-9",
                                      utcnow().date())
    a, b = make.reviewers()
    make.sign(a, stage, Outcome.APPROVE)
    make.sign(b, stage, Outcome.APPROVE)
    record = build_record_data(stage, 1, utcnow())
    assert record["template_version"] == TEMPLATE_VERSION  # incidents entered in record-v5
    [entry] = record["incidents"]
    assert entry["title"] == incident.title and entry["serious"] is True
    assert entry["authority_report"]["reference"] == "MSA-9" and entry["closure"] is None
    assert entry["evidence"][0]["sha256"] == incident.evidence[0].sha256
    actions = [e["action"] for e in record["audit_events"]]
    assert "incident.reported" in actions and "incident.reported_to_authority" in actions
    html = render_record_html(record)
    assert "Incidents reported on this system" in html and "MSA-9" in html
    assert "Led to: Serious harm to a person&#39;s health" in html and "对人员健康造成严重损害" not in html
    # the JSON carries both languages; a Chinese record prints what the incident led to in Chinese
    assert entry["translations"] == {"zh-Hans": {"severity_label": "严重事件（欧盟《人工智能法》第 3 条第 49 项）",
                                                 "category_label": "对人员健康造成严重损害"}}
    chinese = render_record_html({**record, "language": "zh-Hans"})
    assert "对人员健康造成严重损害" in chinese and "Serious harm to a person" not in chinese


def test_the_rules_file_is_checked_when_loaded():
    with pytest.raises(incident_rules.IncidentRulesError) as caught:
        incident_rules.parse_rules({"version": "1", "severities": [{"id": "bad id", "label": ""}],
                                    "categories": [{"id": "death", "label": "Death"}],
                                    "deadlines": [{"id": "X", "when": {"severity": ["nope"]}, "days": 0,
                                                   "duty": "later", "text": "", "source": "", "verified": "?"}],
                                    "serious_incident": {"reopens": ["dep"]}})
    errors = "\n".join(caught.value.errors)
    for expected in ("version: '1' is not a version", "severities[0].id", "severities[0].label",
                     "mark one severity serious", "deadlines[0].when.severity: unknown 'nope'", "deadlines[0].days",
                     "deadlines[0].duty", "deadlines[0].verified", "deadlines[0].text: required",
                     "serious_incident.reopens: 'dep'"):
        assert expected in errors, expected


def test_chairs_hear_of_a_serious_incident_in_their_digest_once_and_again_when_overdue(make, db_session):
    from reviewboard.notify.digest import build_digests
    from reviewboard.notify.services import record_sent
    from reviewboard.projects.models import ProjectMember

    project = make.project(name="Triage helper")
    chair, member_chair = make.user("chair"), make.user("chair")
    project.members.append(ProjectMember(user_id=member_chair.id))
    make.session.flush()
    detected = utcnow().date() - timedelta(days=1)
    incident = incidents.report_incident(project.owner, project, _report(severity="serious", category="health",
                                                                          detected_on=detected))
    incidents.report_incident(project.owner, project, _report(title="A minor one", severity="minor"))

    def items_for(person, day):
        return [i for d in build_digests(day) if d.user.id == person.id for i in d.items]

    today = utcnow().date()
    [item] = [i for i in items_for(chair, today) if i.kind.endswith("incident")]
    assert item.section == "chair" and item.text == f"Serious incident on Triage helper: {incident.title}"
    assert item.detail == f"report to the authority due {incident.due_on.isoformat()}"
    assert not [i for i in items_for(member_chair, today) if "incident" in i.kind]  # not about their own project
    for digest in build_digests(today):
        record_sent(digest, "log")
    assert not [i for i in items_for(chair, today) if "incident" in i.kind]  # told once
    late = incident.due_on + timedelta(days=2)
    [overdue] = [i for i in items_for(chair, late) if "incident" in i.kind]
    assert overdue.kind == "incident-overdue" and "2 days overdue" in overdue.detail


def test_the_demo_has_an_open_serious_incident_and_a_closed_minor_one(app, db_session):
    from reviewboard.projects.models import Project

    result = app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    triage = db_session.scalars(select(Project).where(Project.name == "Emergency triage assistant")).one()
    [serious] = incidents.open_serious_incidents(triage.id)
    assert serious.evidence and serious.detected_on < serious.reported_at.date()
    assert not serious.overdue_on(utcnow().date())  # its 15 days run from four days ago
    closed = db_session.scalars(select(Incident).where(Incident.state == IncidentState.CLOSED)).one()
    assert closed.resolution and closed.assessed_by.name == "Chen Chair"


def test_once_the_system_has_versions_an_incident_names_one_of_them(make, db_session):
    from reviewboard.systems.services import add_version

    project, other = make.project(), make.project()
    digest = "sha256:" + "ab" * 32
    v1 = add_version(project.owner, project, "1.0.0", "", [("model", "weights.bin", digest)])
    foreign = add_version(other.owner, other, "9.9.9", "", [("model", "weights.bin", digest)])
    for version_id in (None, foreign.id):
        with pytest.raises(ServiceError) as caught:
            incidents.report_incident(project.owner, project, _report(version_id=version_id))
        assert (caught.value.field, caught.value.message) == (
            "version_id", "Choose the version of the system the incident happened on.")
    incident = incidents.report_incident(project.owner, project, _report(version_id=v1.id))
    assert incident.version.label == "1.0.0"
    stage = project.stages[0]
    make.evidence(stage)
    from reviewboard.reviews import lifecycle

    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    assert build_record_data(stage, 1, utcnow())["incidents"][0]["version"] == "1.0.0"


def test_the_cli_lists_incidents_and_prints_the_rules(app, make, db_session):
    project = make.project(name="Port crane planner")
    old = incidents.report_incident(project.owner, project, _report(title="Crane stopped",
                                                                    detected_on=utcnow().date() - timedelta(days=40)))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["incident", "list"], catch_exceptions=False)
    assert result.exit_code == 0
    [line] = [x for x in result.output.splitlines() if x.strip().startswith(str(old.id))]
    assert "Port crane planner" in line and "OVERDUE" in line and "A chair: start the assessment" in line
    result = runner.invoke(args=["incident", "list", "--json", "--overdue"], catch_exceptions=False)
    [row] = [json.loads(x) for x in result.output.splitlines()]
    assert (row["id"], row["overdue"], row["rule"]) == (old.id, True, "RB-ASSESS-MAJOR")
    assert "No incidents match." in runner.invoke(args=["incident", "list", "--status", "closed"]).output
    rules = runner.invoke(args=["incident", "rules"], catch_exceptions=False).output
    assert "Incident rules 1.1.0" in rules and "EUAIA-73-3" in rules and "verified: secondary" in rules


def test_the_cli_listings_read_in_the_organisations_language_and_the_json_does_not_change(app, make, db_session,
                                                                                          monkeypatch):
    project = make.project(name="Port crane planner")
    old = incidents.report_incident(project.owner, project, _report(title="Crane stopped",
                                                                    detected_on=utcnow().date() - timedelta(days=40)))
    runner = app.test_cli_runner()
    english = runner.invoke(args=["incident", "list", "--json"], catch_exceptions=False).output
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "zh-Hans")
    with app.app_context():  # a command's own context: Flask-Babel chooses the language afresh
        result = runner.invoke(args=["incident", "list"], catch_exceptions=False)
        [line] = [x for x in result.output.splitlines() if x.strip().startswith(str(old.id))]
        assert "已报告" in line and "主席: 开始评估" in line and "OVERDUE" in line  # the mark scripts read
        assert "Reported" not in line and "start the assessment" not in line
        assert runner.invoke(args=["incident", "list", "--json"], catch_exceptions=False).output == english
        rules = runner.invoke(args=["incident", "rules"], catch_exceptions=False).output
    assert "事件规则 1.1.0" in rules and "严重程度：minor、major、serious（严重）" in rules
    assert "EUAIA-73-3" in rules and "（核实方式：二手资料）" in rules and "严重事件：暂停证书：" in rules
    assert " days" not in rules and "verified" not in rules and "Severities" not in rules


def test_an_open_serious_incident_is_a_cause_of_suspension_until_closed(make, monkeypatch):
    from types import SimpleNamespace

    from reviewboard.incidents import suspension

    project = make.project()
    certificate = SimpleNamespace(project_id=project.id)  # what the provider reads of a certificate
    incidents.report_incident(project.owner, project, _report(severity="minor"))
    assert suspension.serious_incident_open(certificate, utcnow().date()) == []
    incident = incidents.report_incident(project.owner, project, _report(severity="serious", category="health"))
    [reason] = suspension.serious_incident_open(certificate, utcnow().date())
    assert reason.startswith(f"Serious incident {incident.id} is open: {incident.title}")
    chair = make.user("chair")
    incidents.assess(chair, incident, "Not serious after all: no harm.", "major", None, False)
    assert suspension.serious_incident_open(certificate, utcnow().date()) == []
    shipped = incident_rules.load_rules()
    monkeypatch.setattr(suspension, "load_rules", lambda: dataclasses.replace(shipped, suspend_certificate=False))
    incidents.report_incident(project.owner, project, _report(severity="serious", category="health"))
    assert suspension.serious_incident_open(certificate, utcnow().date()) == []


@pytest.mark.slow  # renders and signs a real record (about 5 s)
@pytest.mark.real_records
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_signed_record_prints_and_embeds_the_incidents(make, db_session, tmp_path):

    stage = make.submitted_stage()
    project = stage.project
    incident = incidents.report_incident(project.owner, project, _report(title="Alarm shown to the wrong ward"))
    chair = make.user("chair")
    incidents.assess(chair, incident, "A routing table was stale.", "major", None, False)
    incidents.close(chair, incident, "Routing table rebuilt nightly.")
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    record = db_session.scalar(select(Record).where(Record.stage_review_id == stage.id))
    [entry] = extract_embedded_record(record.pdf)["incidents"]
    assert entry["closure"]["resolution"] == "Routing table rebuilt nightly."
    path = tmp_path / "record.pdf"
    path.write_bytes(record.pdf)
    flat = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for words in ("Incidents reported on this system", "Alarm shown to the wrong ward",
                  "Routing table rebuilt nightly.", "incident.closed"):
        assert words in flat, words


def test_a_serious_incident_suspends_the_certificate_and_closing_it_lifts_that_cause(make, db_session, monkeypatch):
    """Through the certificate status's seam: reported serious -> suspended with the incident as the cause; a
    chair who finds it was not serious lifts it; serious again, then closed -> valid again. (The rules here
    reopen no stage: with the shipped rules the reopened Deployment keeps it suspended until re-approved, which
    the next test shows.)"""
    from reviewboard.certificates.models import Certificate
    from tests.support.certificates import certified

    shipped = incident_rules.load_rules()
    monkeypatch.setattr(incidents, "load_rules", lambda: dataclasses.replace(shipped, reopens=()))
    project, cert, _ = certified(make)
    assert cert.status == "valid"
    chair = make.user("chair")
    incident = incidents.report_incident(project.owner, project, _report(
        severity="serious", category="health", version_id=cert.version_id))
    assert cert.status == "suspended"
    assert [r for r in cert.status_reasons if r.startswith(f"Serious incident {incident.id} is open")]
    incidents.assess(chair, incident, "No harm came of it.", "major", None, False)
    assert (cert.status, cert.status_reasons) == ("valid", [])
    serious = incidents.report_incident(project.owner, project, _report(
        severity="serious", category="death", version_id=cert.version_id))
    assert cert.status == "suspended"
    incidents.record_authority_report(project.owner, serious, "Market surveillance authority", "MSA-3",
                                      utcnow().date())
    assert cert.status == "suspended"  # reported is not closed
    incidents.close(chair, serious, "Model withdrawn and retrained; families informed.")
    assert (cert.status, cert.status_reasons) == ("valid", [])
    changes = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.status_changed",
                                                          AuditEvent.object_id == str(cert.id))
                                 .order_by(AuditEvent.seq)).all()
    assert [json.loads(e.payload)["after"]["status"] for e in changes] == ["suspended", "valid", "suspended",
                                                                          "valid"]
    assert db_session.get(Certificate, cert.id).status == "valid"


def test_with_the_shipped_rules_the_reopened_deployment_keeps_the_certificate_suspended_after_closure(make):
    from tests.support.certificates import certified

    project, cert, _ = certified(make)
    incident = incidents.report_incident(project.owner, project, _report(
        severity="serious", category="health", version_id=cert.version_id))
    deployment = next(s for s in project.stages if s.code == "DEP")
    assert deployment.state == StageState.DRAFT  # the rules reopen Deployment
    assert cert.status == "suspended" and len(cert.status_reasons) == 2
    chair = make.user("chair")
    incidents.record_authority_report(project.owner, incident, "MSA", "MSA-4", utcnow().date())
    incidents.close(chair, incident, "Retrained.")
    assert cert.status == "suspended"
    assert not [r for r in cert.status_reasons if r.startswith("Serious incident")]
    assert [r for r in cert.status_reasons if "Deployment" in r]  # waits for the re-review
