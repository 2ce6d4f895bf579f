"""A reviewer opens a stage in review, meets the conflict-of-interest step before the submission, declares a
conflict and sees that they are recused; the chair sees the recusal on the dashboard. Driven in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import choice, field_error, flash, heading, high_risk_project, sign_in

pytestmark = pytest.mark.browser

QUESTION = "Do you have a conflict of interest with this project or its team?"


def test_reviewer_declares_a_conflict_and_is_recused(live_server, new_page, shot):
    project = "Port crane fatigue monitor"
    owner = live_server.add_user("Omar Owner", "submitter")
    rhea = live_server.add_user("Rhea Reviewer", "reviewer")
    chair = live_server.add_user("Cora Chair", "chair")
    remy = live_server.add_user("Remy Reviewer", "reviewer")
    _, stage_id = high_risk_project(
        live_server, owner, name=project, purpose="Flags crane operators who show signs of fatigue.",
        intended_users="Shift supervisors.", scenario="Container terminal control room.",
        data_categories=["personal", "biometric"], autonomy_level="human_in_loop", scale="organisation")
    with live_server.session() as session:  # the chair assigns Rhea and one more reviewer
        from reviewboard.auth.models import User
        from reviewboard.reviews import services as reviews
        from reviewboard.reviews.models import StageReview

        stage = session.get(StageReview, stage_id)
        assigner = session.get(User, chair.id)
        reviews.assign_reviewer(assigner, stage, session.get(User, rhea.id))
        reviews.assign_reviewer(assigner, stage, session.get(User, remy.id))

    page = new_page()
    sign_in(page, rhea)
    page.get_by_role("link", name="Review queue", exact=True).click()
    page.get_by_role("link", name=project).click()
    expect(heading(page)).to_contain_text("Design review")
    # Only the declaration step: no criteria, evidence or decision form yet.
    expect(page.get_by_role("heading", name="Declare any conflict of interest")).to_be_visible()
    expect(page.get_by_role("link", name="use-case-brief.md")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your decision")).to_have_count(0)
    shot(page, "conflict-declaration-step", readme="conflict-declaration")

    # A conflict without its nature is refused, beside the field.
    choice(page, QUESTION, "I have a conflict of interest (I will be recused)").check()
    page.get_by_role("button", name="Declare").click()
    expect(field_error(page, "nature")).to_contain_text("Say what the conflict is")
    expect(choice(page, QUESTION, "I have a conflict of interest (I will be recused)")).to_be_checked()

    page.get_by_label(re.compile("Nature of the conflict")).fill("I consulted for the crane vendor last year.")
    page.get_by_role("button", name="Declare").click()
    expect(flash(page, "you are recused from this round")).to_be_visible()
    expect(page.get_by_role("heading", name="You are recused from this round")).to_be_visible()
    expect(page.get_by_text("I consulted for the crane vendor last year.")).to_be_visible()
    expect(page.get_by_role("link", name="use-case-brief.md")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign decision")).to_have_count(0)
    shot(page, "conflict-recused")

    chair_page = new_page()
    sign_in(chair_page, chair)
    card = chair_page.locator("section", has=chair_page.get_by_role("heading", name="Recusals needing a replacement"))
    expect(card).to_contain_text(project)
    expect(card).to_contain_text("Rhea Reviewer")
    card.get_by_role("link", name="propose a replacement").click()
    expect(heading(chair_page)).to_have_text("Proposed reviewers for Design")
    expect(chair_page.get_by_role("table")).not_to_contain_text("Rhea Reviewer")
    shot(chair_page, "conflict-proposal", readme="propose-reviewers")
