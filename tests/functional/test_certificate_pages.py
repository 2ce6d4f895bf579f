"""Certificate pages over HTTP (view, downloads, label, a chair's revocation with CSRF), the public status
page, badge and status list, and the public register: opt-in by a chair, off with PUBLIC_REGISTER, and
nothing internal on it."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

from cryptography import x509
from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.certificates import dsse, gate
from reviewboard.comments.services import post_comment
from reviewboard.models.base import utcnow
from reviewboard.projects.tiering import questionnaire
from reviewboard.register.services import set_listing
from reviewboard.reviews import lifecycle
from reviewboard.reviews import services as reviews
from reviewboard.reviews.services import ConditionEntry
from reviewboard.reviews.workflow import Outcome, VerdictValue
from tests.support.certificates import add_version, certified
from tests.support.factories import PASSWORD
from tests.support.http import csrf_token, login, login_reading, token_for


def test_a_member_sees_the_certificate_downloads_it_and_gets_the_label(client, make, db_session):
    project, cert, _ = certified(make)
    login(client, project.owner)
    page = client.get(f"/certificates/{cert.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and cert.public_id in body and "Valid" in body
    assert f"Ethically reviewed: certificate {cert.public_id}, valid" in body
    # the label is shown live (the badge linked to its public status page) and as escaped HTML to copy
    badge = f"/c/{cert.public_id}/badge.svg"
    assert re.search(rf'<a href="[^"]*/c/{cert.public_id}"[^>]*><img src="[^"]*{badge}"', body)
    assert re.search(rf'<textarea[^>]*>&lt;a href=&#34;[^<]*/c/{cert.public_id}&#34;', body)
    assert "Revoke" not in body  # a chair's action
    envelope = client.get(f"/certificates/{cert.id}.intoto.json")
    assert envelope.data == cert.envelope.encode()
    assert envelope.headers["Content-Disposition"].startswith("attachment")
    pdf = client.get(f"/certificates/{cert.id}.pdf")
    assert pdf.data == cert.pdf and pdf.headers["X-File-SHA256"] == cert.pdf_sha256
    assert cert.public_id in client.get("/certificates").get_data(as_text=True)


def test_a_chair_revokes_with_a_reason_and_a_confirmation(client, make, db_session):
    _, cert, reviewers = certified(make)
    chair = make.user("chair", name="Chloe Chair")
    login(client, reviewers[0])
    token = token_for(client, f"/certificates/{cert.id}")
    assert client.post(f"/certificates/{cert.id}/revoke", data={"csrf_token": token, "reason": "x",
                                                                "confirm": "y"}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, chair)
    page = client.get(f"/certificates/{cert.id}")
    token = csrf_token(page.data)
    assert "Revoke certificate" in page.get_data(as_text=True)
    assert client.post(f"/certificates/{cert.id}/revoke", data={"reason": "x", "confirm": "y"}).status_code == 400
    unconfirmed = client.post(f"/certificates/{cert.id}/revoke", data={"csrf_token": token, "reason": "Out of scope."})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm" in unconfirmed.get_data(as_text=True)
    no_reason = client.post(f"/certificates/{cert.id}/revoke",
                            data={"csrf_token": token, "reason": " ", "confirm": "y"})
    assert no_reason.status_code == 422 and "Say why" in no_reason.get_data(as_text=True)
    db_session.refresh(cert)
    assert cert.status == "valid"
    done = client.post(f"/certificates/{cert.id}/revoke", data={"csrf_token": token, "reason": "Out of scope.",
                                                               "confirm": "y"})
    assert done.status_code == 302
    db_session.refresh(cert)
    assert cert.status == "revoked" and cert.revoked_reason == "Out of scope."
    again = client.post(f"/certificates/{cert.id}/revoke",
                        data={"csrf_token": token, "reason": "Again.", "confirm": "y"})
    assert again.status_code == 409


def test_the_public_status_page_badge_and_status_list(client, make, db_session, signing_dir):
    project, cert, _ = certified(make)
    page = client.get(f"/c/{cert.public_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Valid" in body and cert.public_id in body
    assert project.name not in body  # not listed on the register: the name stays private
    badge = client.get(f"/c/{cert.public_id}/badge.svg")
    assert badge.mimetype == "image/svg+xml" and b"valid" in badge.data and b"<script" not in badge.data
    assert client.get("/c/RBC-999999-1").status_code == 404
    listing = client.get("/certificates/status-list.json")
    seal = x509.load_pem_x509_certificate((signing_dir / "signing-cert.pem").read_bytes())
    payload, _ = dsse.open_envelope(listing.get_json(), [seal], gate.STATUS_LIST_PAYLOAD_TYPE)
    assert json.loads(payload)["entries"][cert.public_id]["status"] == "valid"


def test_a_chair_lists_a_system_and_the_register_shows_it(client, make, db_session, app, monkeypatch):
    project, cert, _ = certified(make)
    chair = make.user("chair")
    login(client, chair)
    token = token_for(client, f"/projects/{project.id}/register")
    assert client.post(f"/projects/{project.id}/register", data={"public_description": "x", "list_system": "1"}
                       ).status_code == 400  # no CSRF token
    too_long = client.post(f"/projects/{project.id}/register", data={"csrf_token": token, "list_system": "1",
                                                                      "public_description": "x" * 2001})
    assert too_long.status_code == 422
    refused = client.post(f"/projects/{project.id}/register", data={"csrf_token": token, "public_description": "",
                                                                     "list_system": "1"})
    assert refused.status_code == 422 and "Write the description the public will read" in refused.get_data(as_text=True)
    done = client.post(f"/projects/{project.id}/register", data={
        "csrf_token": token, "public_description": "Helps nurses prioritise patients.", "list_system": "1"})
    assert done.status_code == 302
    assert db_session.scalar(select(AuditEvent).where(AuditEvent.action == "register.listed",
                                                      AuditEvent.object_id == str(project.id))) is not None
    page = client.get("/register").get_data(as_text=True)
    assert project.name in page and "Helps nurses prioritise patients." in page and cert.public_id in page
    tier = questionnaire().tier_name(project.tier)  # the tier's name ("High"), not its code ("high")
    assert f'<dd class="col-sm-9">{tier}</dd>' in page and tier != project.tier
    feed = client.get("/register.json").get_json()
    [entry] = [s for s in feed["systems"] if s["system"] == project.name]
    assert entry["certificate"]["id"] == cert.public_id and entry["certificate"]["status"] == "valid"
    assert entry["tier"] == project.tier
    assert project.name in client.get(f"/c/{cert.public_id}").get_data(as_text=True)  # listed: named
    # the organisation turns the register off
    monkeypatch.setitem(app.config, "PUBLIC_REGISTER", False)
    assert client.get("/register").status_code == 404 and client.get("/register.json").status_code == 404
    assert project.name not in client.get(f"/c/{cert.public_id}").get_data(as_text=True)


SECRETS = ["Rhea Undisclosed", "Rufus Hushreviewer", "Olga Privateowner", "secret-evidence-7f3a.md",
           "RATIONALE-never-public", "COMMITTEE-ONLY-remark", "SHARED-with-submitter-remark",
           "CONDITION-text-internal", "Purpose text that stays internal", "Internal users list"]


def test_nothing_internal_reaches_the_public_register(client, make, db_session):
    owner = make.user("submitter", name="Olga Privateowner")
    project = make.project(owner=owner, purpose="Purpose text that stays internal",
                           intended_users="Internal users list")
    add_version(project)
    reviewers = [make.user("reviewer", name="Rhea Undisclosed"), make.user("reviewer", name="Rufus Hushreviewer")]
    due = utcnow().date() + timedelta(days=20)
    for stage in project.stages[:4]:  # Design to Deployment; Deployment with a condition
        dep = stage.code == "DEP"
        make.evidence(stage, filename="secret-evidence-7f3a.md", data=b"# confidential\n")
        lifecycle.submit_stage(owner, stage, "", stage.version)
        for reviewer in reviewers:
            make.verdicts(reviewer, stage, VerdictValue.PARTIALLY_MEETS, "RATIONALE-never-public")
            reviews.sign_decision(reviewer, stage, Outcome.APPROVE_WITH_CONDITIONS if dep else Outcome.APPROVE,
                                  PASSWORD, [ConditionEntry("CONDITION-text-internal", owner.id, due)] if dep else [])
    post_comment(reviewers[0], project.stages[0], "COMMITTEE-ONLY-remark", "committee")
    post_comment(reviewers[0], project.stages[0], "SHARED-with-submitter-remark", "submitter")
    chair = make.user("chair", name="Carla Chair")
    set_listing(chair, project, True, "A public description of the triage system.")
    pages = [client.get("/register"), client.get("/register.json")]
    from reviewboard.certificates.services import latest_certificate

    cert = latest_certificate(project)
    assert cert is not None
    pages += [client.get(f"/c/{cert.public_id}"), client.get(f"/c/{cert.public_id}/badge.svg"),
              client.get("/certificates/status-list.json")]
    text = "".join(p.get_data(as_text=True) for p in pages)
    text += base64.b64decode(pages[-1].get_json()["payload"]).decode()  # the status list's signed payload
    assert "A public description of the triage system." in text and cert.public_id in text
    leaked = [s for s in SECRETS + ["Carla Chair"] if s in text]
    assert leaked == []
    # the same facts are there for the committee: the test would see a leak
    login(client, chair)
    internal = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    internal += client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "CONDITION-text-internal" in internal and "Olga Privateowner" in internal


def test_a_chinese_reader_sees_the_certified_duties_in_chinese_and_the_statement_keeps_english(client, make,
                                                                                             db_session):
    from datetime import date

    from reviewboard.certificates import services
    from reviewboard.registration.services import add_filing

    project = make.project()
    project.generative_public = True  # raises the TC260 filing of a public generative service
    db_session.flush()
    add_filing(project.owner, project, "TC260-GENAI-FILING", "Provincial cyberspace office", "GD-2026-0042",
               date(2026, 11, 2), "receipt.md", b"# Filing receipt\n")
    _, cert, _ = certified(make, project=project)
    login(client, project.owner)
    english = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert "<li>File the generative AI service offered to the public: Provincial cyberspace office, GD-2026-0042" \
           in english
    project.owner.language = "zh-Hans"
    db_session.flush()
    chinese = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert "<li>为面向公众提供的生成式人工智能服务办理备案: Provincial cyberspace office, GD-2026-0042" in chinese
    assert "File the generative AI service" not in chinese
    # the signed statement is as issued: English, with the ruleset version the title is read from
    [duty] = services.statement_of(cert)["predicate"]["registration"]
    assert (duty["title"], duty["ruleset"]) == ("File the generative AI service offered to the public", "1.1.0")


def test_a_chinese_reader_reads_the_status_reasons_in_chinese_and_they_stay_stored_in_english(client, make,
                                                                                               db_session):
    project, cert, _ = certified(make)
    stored = ["Deployment was reopened for re-review (changes requested)",
              "The condition of Design due on 2026-05-04 is overdue: Publish the model card",
              "Serious incident 7 is open: Wrong dosage advice (detected 2026-05-02)",
              "Revoked by Chloe Chair: Out of scope.", "Something a provider added later"]
    cert.status, cert.status_reasons = "suspended", list(stored)
    reader = login_reading(client, make.user("auditor"), "zh-Hans", db_session)
    body = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert "<li>部署 已重新开启，等待重新审查（已要求修改）</li>" in body
    assert "<li>设计 的条件（2026年5月4日到期）已逾期：Publish the model card</li>" in body
    assert "<li>严重事件 7 尚未关闭：Wrong dosage advice（发现于 2026年5月2日）</li>" in body
    assert "<li>已由 Chloe Chair 撤销：Out of scope.</li>" in body
    assert "<li>Something a provider added later</li>" in body  # a form it does not know: as stored
    assert "reopened for re-review" not in body and "is overdue" not in body
    db_session.refresh(cert)
    assert cert.status_reasons == stored
    reader.language = "en"
    db_session.flush()
    body = client.get(f"/certificates/{cert.id}").get_data(as_text=True)
    assert all(f"<li>{reason}</li>" in body for reason in stored)
