"""A reviewer comments on a criterion from inside the review page (committee-only and shared), and the
submitter sees and answers only the shared one. Driven in Chromium, without JavaScript on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import flash, high_risk_project, sign_in

pytestmark = pytest.mark.browser

INTERNAL = "Between us: the appeal route looks like an afterthought."
SHARED = "Please describe how a person can appeal a triage level."
ANSWER = "Appeals go to the duty consultant within one hour; see section 4 of the brief."


def test_reviewer_comments_and_submitter_sees_only_the_shared_comment(live_server, new_page, shot):
    owner = live_server.add_user("Ola Owner", "submitter")
    rita = live_server.add_user("Rita Reviewer", "reviewer")
    _, stage_id = high_risk_project(live_server, owner, name="Ward triage helper")
    with live_server.session() as session:
        from reviewboard.auth.models import User
        from reviewboard.committee import services as committee
        from reviewboard.reviews.models import StageReview

        committee.declare(session.get(User, rita.id), session.get(StageReview, stage_id), False, "")

    page = new_page()
    sign_in(page, rita)
    page.goto(f"/stages/{stage_id}")
    thread = page.locator("section.rb-comments").first
    expect(thread).to_contain_text("No comments yet.")
    thread.get_by_text("Add a comment").click()
    thread.get_by_label("Comment on RB-DES-01").fill(INTERNAL)
    thread.get_by_label("Committee only").check()
    thread.get_by_role("button", name="Post comment").click()
    expect(flash(page, "Comment posted for the committee only.")).to_be_visible()
    thread = page.locator("section.rb-comments").first
    thread.get_by_text("Add a comment").click()
    thread.get_by_label("Comment on RB-DES-01").fill(SHARED)
    thread.get_by_label("Also visible to the submitter").check()
    thread.get_by_role("button", name="Post comment").click()
    expect(flash(page, "Comment posted.")).to_be_visible()
    thread = page.locator("section.rb-comments").first
    expect(thread).to_contain_text(INTERNAL)
    expect(thread).to_contain_text(SHARED)
    # the review form around the criteria kept working: nothing of it was sent with the comments
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
    thread.evaluate("el => el.closest('.card').scrollIntoView({block: 'start'})")  # the criterion and its thread
    shot(page, "comments-committee-view", readme="criterion-comments")

    owner_page = new_page()
    sign_in(owner_page, owner)
    owner_page.goto(f"/stages/{stage_id}")
    thread = owner_page.locator("section.rb-comments").first
    expect(thread).to_contain_text(SHARED)
    expect(owner_page.locator("body")).not_to_contain_text("appeal route looks like an afterthought")
    expect(owner_page.get_by_label("Committee only")).to_have_count(0)
    thread.get_by_text("Reply", exact=True).click()
    thread.get_by_label("Reply to Rita Reviewer").fill(ANSWER)
    thread.get_by_role("button", name="Post reply").click()
    expect(flash(owner_page, "Comment posted.")).to_be_visible()
    expect(owner_page.locator("section.rb-comments").first.locator("li.rb-comment li.rb-comment")).to_contain_text(
        ANSWER)
    shot(owner_page, "comments-submitter-view")
