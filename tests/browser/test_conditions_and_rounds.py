"""Two committee screens in Chromium: the owner of a condition answers it with a file and a reviewer closes it;
a reviewer back for round 2 declares, then sees what changed since round 1 and which criterion is reopened."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from reviewboard.reviews import lifecycle
from tests.browser.conftest import outside_event_loop
from tests.browser.test_flows import choice, flash, heading, high_risk_project, sign_in

pytestmark = pytest.mark.browser

QUESTION = "Do you have a conflict of interest with this project or its team?"


def _decide(live_server, stage_id: int, decide) -> None:
    """Run ``decide(make, stage)`` in one committed transaction of the live server's database (in a worker
    thread: issuing a record signs a PDF, which needs an event loop of its own)."""
    from reviewboard.reviews.models import StageReview
    from tests.support.factories import Factory

    def run():
        with live_server.session() as session:
            decide(Factory(session), session.get(StageReview, stage_id))

    outside_event_loop(run)


def test_owner_answers_a_condition_and_a_reviewer_closes_it(live_server, new_page, shot, tmp_path):
    from reviewboard.auth.models import User
    from reviewboard.models.base import utcnow
    from reviewboard.reviews import services as reviews
    from reviewboard.reviews.workflow import Outcome

    owner = live_server.add_user("Olga Owner", "submitter")
    ana = live_server.add_user("Ana Reviewer", "reviewer")
    ben = live_server.add_user("Ben Reviewer", "reviewer")
    project = "Warehouse picking forecaster"
    _, stage_id = high_risk_project(live_server, owner, name=project)

    def approve_with_condition(make, stage):
        due = (utcnow() + timedelta(days=14)).date()
        condition = reviews.ConditionEntry("Publish the model card before go-live", owner.id, due)
        make.sign(make.session.get(User, ana.id), stage, Outcome.APPROVE_WITH_CONDITIONS, conditions=[condition])
        make.sign(make.session.get(User, ben.id), stage)

    _decide(live_server, stage_id, approve_with_condition)

    page = new_page()
    sign_in(page, owner)
    page.get_by_role("link", name="Conditions", exact=True).click()
    expect(heading(page)).to_have_text("Conditions")
    page.get_by_role("link", name="Publish the model card before go-live").click()
    expect(heading(page)).to_contain_text("Open")
    expect(page.get_by_role("button", name="Close condition")).to_have_count(0)  # the owner answers, never closes

    # without a file the answer is refused beside the field, and the note typed is kept
    answer = "The model card is on the intranet, version 1.2."
    page.get_by_label("How the condition is met").fill(answer)
    page.get_by_role("button", name="Mark as fulfilled").click()
    expect(page.get_by_text("Choose a file to upload.")).to_be_visible()
    expect(page.get_by_label("How the condition is met")).to_have_value(answer)
    card = tmp_path / "model-card.md"
    card.write_text("# Model card\n\nIntended use, limits, evaluation data.\n")
    page.get_by_label("Evidence file").set_input_files(str(card))
    page.get_by_role("button", name="Mark as fulfilled").click()
    expect(flash(page, "Condition marked as fulfilled")).to_be_visible()
    expect(heading(page)).to_contain_text("Fulfilled")
    expect(page.get_by_role("link", name="model-card.md")).to_be_visible()

    reviewer = new_page()
    sign_in(reviewer, ana)
    reviewer.get_by_role("link", name="Conditions", exact=True).click()
    reviewer.get_by_role("link", name="Publish the model card before go-live").click()
    expect(reviewer.locator("dd", has_text="The model card is on the intranet, version 1.2.")).to_be_visible()
    reviewer.get_by_label("Why the condition is met").fill("Read it: intended use and limits are covered.")
    shot(reviewer, "condition-close", readme="condition")
    reviewer.get_by_role("button", name="Close condition").click()
    expect(flash(reviewer, "Condition closed.")).to_be_visible()
    expect(heading(reviewer)).to_contain_text("Closed")
    expect(reviewer.locator("dd", has_text="by Ana Reviewer")).to_contain_text("Read it: intended use and limits")


def test_reviewer_sees_what_changed_since_the_last_round(live_server, new_page, shot):
    from reviewboard.auth.models import User
    from reviewboard.projects import services as projects
    from tests.integration.test_resubmission import request_changes
    from tests.support.factories import project_fields

    owner = live_server.add_user("Pia Owner", "submitter")
    ann = live_server.add_user("Ann Reviewer", "reviewer")
    bob = live_server.add_user("Bob Reviewer", "reviewer")
    project = "Call-centre sentiment router"
    _, stage_id = high_risk_project(live_server, owner, name=project, purpose="Routes angry callers first.")
    reopened = {}

    def round_one_then_resubmit(make, stage):
        criteria = stage.applicable_criteria()
        reopened["code"] = criteria[0].code
        make.sign(make.session.get(User, ann.id), stage)
        reviewer = make.session.get(User, bob.id)
        make.declare(reviewer, stage)
        request_changes(reviewer, stage, marked=[criteria[0]])
        person = make.session.get(User, owner.id)
        record = stage.project
        projects.update_project(person, record, project_fields(
            name=record.name, purpose="Routes callers by topic; sentiment only sets the queue order."),
            dict(record.answers), record.version)
        projects.add_evidence(person, stage, criteria[0].id, "sentiment-tests.csv", b"case,result\n1,ok\n")
        lifecycle.submit_stage(person, stage, "Narrowed the purpose and added the test results.", stage.version)

    _decide(live_server, stage_id, round_one_then_resubmit)

    page = new_page()
    sign_in(page, bob)
    page.get_by_role("link", name="Review queue", exact=True).click()
    page.get_by_role("link", name=project).click()
    # round 2 needs a new declaration before the submission shows
    expect(page.get_by_role("heading", name="Declare any conflict of interest")).to_be_visible()
    choice(page, QUESTION, "No conflict of interest").check()
    page.get_by_role("button", name="Declare").click()

    diff = page.locator("section.rb-round-diff")
    expect(diff.get_by_role("heading", name="What changed since round 1")).to_be_visible()
    expect(diff).to_contain_text("Narrowed the purpose and added the test results.")
    purpose = diff.get_by_role("row", name=re.compile("^Purpose"))
    expect(purpose.locator("del")).to_have_text("Routes angry callers first.")
    expect(purpose.locator("ins")).to_have_text("Routes callers by topic; sentiment only sets the queue order.")
    expect(diff).to_contain_text("sentiment-tests.csv")
    expect(diff).to_contain_text(f"reopened: {reopened['code']}")
    expect(page.locator(f"h3:has(code:text-is('{reopened['code']}')) .badge", has_text="Reopened")).to_be_visible()
    shot(page, "round-diff", readme="round-diff")
