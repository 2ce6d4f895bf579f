"""What a submitter learns on arriving, over HTTP with CSRF on: the dashboard lists the decisions on their
projects since their previous visit, each with its record; the project page links each stage's record and
conditions; and a condition appears on the chair's dashboard only once the stage is decided."""

from __future__ import annotations

from datetime import timedelta

from reviewboard.models.base import utcnow
from reviewboard.records.models import Record
from reviewboard.reviews import services as reviews
from reviewboard.reviews.workflow import Outcome
from tests.support.factories import PASSWORD
from tests.support.http import login, logout, post_form


def _decided_card(client) -> str:
    page = client.get("/dashboard").get_data(as_text=True)
    start = page.index('<section class="col-lg-6" aria-labelledby="h-decided">')
    return page[start:page.index("</section>", start)]


def test_the_dashboard_lists_the_stages_decided_since_the_last_visit_with_their_record(client, make, db_session):
    stage = make.submitted_stage()
    owner, project = stage.project.owner, stage.project
    login(client, owner)
    card = _decided_card(client)
    assert "Decided in the last 30 days" in card and "No decision on your projects" in card  # a first visit
    logout(client)

    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    record = db_session.query(Record).filter_by(stage_review_id=stage.id).one()

    login(client, owner)
    card = _decided_card(client)
    assert "Decided since your last visit" in card
    assert f"{project.name} — Design" in card and "approved" in card
    assert f'href="/records/{record.id}.pdf"' in card and record.public_id in card
    assert client.get("/dashboard").get_data(as_text=True).count(record.public_id) >= 1  # still there on reload
    assert record.public_id in _decided_card(client)
    logout(client)

    login(client, owner)  # the next visit: nothing new since the previous one
    card = _decided_card(client)
    assert record.public_id not in card and "No decision on your projects since your last visit" in card


def test_changing_the_password_mid_visit_keeps_what_the_dashboard_counts_from(client, make):
    stage = make.submitted_stage()
    owner = stage.project.owner
    login(client, owner)
    logout(client)
    a, b = make.reviewers()
    make.sign(a, stage)
    make.sign(b, stage)
    login(client, owner)
    assert "Decided since your last visit" in _decided_card(client)
    response = post_form(client, "/account/password", "/account/password",
                         {"current_password": PASSWORD, "new_password": "a brand new passphrase 2026"})
    assert response.status_code == 302
    card = _decided_card(client)  # the fresh session after a password change is the same visit
    assert "Decided since your last visit" in card and f"{stage.project.name} — Design" in card


def test_a_request_for_changes_is_listed_without_a_record_and_other_teams_decisions_are_not(client, make):
    stage = make.submitted_stage()
    other = make.submitted_stage()
    a, b = make.reviewers()
    for s in (stage, other):
        make.sign(a, s)
        make.sign(b, s, Outcome.REQUEST_CHANGES)
    login(client, stage.project.owner)
    card = _decided_card(client)
    assert f"{stage.project.name} — Design" in card and "changes requested" in card
    assert "/records/" not in card
    assert other.project.name not in card


def test_the_project_page_links_each_stage_record_and_its_conditions(client, make, db_session):
    stage = make.submitted_stage()
    owner = stage.project.owner
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=30)).date()
    make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card", owner.id, due)])
    make.sign(b, stage)
    record = db_session.query(Record).filter_by(stage_review_id=stage.id).one()
    login(client, owner)
    page = client.get(f"/projects/{stage.project_id}").get_data(as_text=True)
    design = page[page.index("1. Design"):page.index("</li>", page.index("1. Design"))]
    assert f'href="/records/{record.id}.pdf"' in design and f"Record {record.public_id} v1" in design
    assert f'href="/projects/{stage.project_id}/conditions#stage-{stage.id}"' in design
    assert "1 condition</a> (1 not closed)" in design
    assert client.get(f"/projects/{stage.project_id}/conditions").status_code == 200
    second = page[page.index("2. "):page.index("</li>", page.index("2. "))]
    assert "/records/" not in second and "condition" not in second


def test_a_condition_is_on_the_chairs_dashboard_only_once_the_stage_is_decided(client, make):
    stage = make.submitted_stage()
    chair = make.user("chair")
    a, b = make.reviewers()
    due = (utcnow() + timedelta(days=30)).date()
    make.sign(a, stage, Outcome.APPROVE_WITH_CONDITIONS,
              conditions=[reviews.ConditionEntry("Publish the model card", stage.project.owner.id, due)])
    login(client, chair)
    assert "Publish the model card" not in client.get("/dashboard").get_data(as_text=True)
    make.sign(b, stage)
    assert "Publish the model card" in client.get("/dashboard").get_data(as_text=True)
