"""A chair configures a pipeline in the browser: starts a new version of the "Internal tool" pipeline,
changes a stage's quorum (one mistake first) and criteria, moves a stage up, publishes after the
confirmation step and reads the diff between the two versions.

The "Internal tool" pipeline is used (not the standard one) so that other browser tests, which register
projects under the default pipeline, are unaffected.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_flows import flash, heading, sign_in

pytestmark = pytest.mark.browser


def stage_rows(page: Page) -> list[str]:
    """Stage names in the editor's table, in order."""
    links = page.locator("table tbody tr td:nth-child(2) > a")
    return [re.sub(r"\s+", " ", t).strip() for t in links.all_inner_texts()]


def test_chair_drafts_edits_reorders_publishes_and_compares_a_pipeline(live_server, page, shot):
    chair = live_server.add_user("Carla Chair", "chair")
    sign_in(page, chair)

    page.get_by_role("link", name="Pipelines", exact=True).click()
    expect(heading(page)).to_have_text("Review pipelines")
    page.get_by_role("link", name="Internal tool", exact=True).click()
    expect(heading(page)).to_contain_text("Internal tool")
    page.get_by_role("button", name="Start a new version").click()
    expect(heading(page)).to_have_text("Draft version 2 of Internal tool")
    assert stage_rows(page) == ["Design", "Testing", "Deployment"]

    # Design: a quorum above the number of reviewers is refused beside the field, then 2 of 3
    page.get_by_role("link", name="Edit Design").click()
    expect(heading(page)).to_contain_text("Stage Design")
    page.get_by_label("Quorum (sign-offs needed)").fill("3")
    page.get_by_role("button", name="Save stage").click()
    expect(page.locator(".mb-3:has(#quorum) .invalid-feedback")).to_have_text("Must be <= reviewers (1).")
    page.get_by_label("Reviewers assigned").fill("3")
    page.get_by_label("Quorum (sign-offs needed)").fill("2")
    # criteria: RB-DES-01 no longer for low-tier projects
    page.get_by_label("The criteria and tiers chosen below").check()
    page.get_by_role("group", name=re.compile(r"^RB-DES-01 ")).get_by_label("Low", exact=True).uncheck()
    shot(page, "pipeline-stage-form")
    page.get_by_role("button", name="Save stage").click()
    expect(flash(page, "Stage Design saved.")).to_be_visible()

    # Testing moves up, before Design
    page.get_by_role("button", name="Move up Testing").click()
    expect(flash(page, "Stage Testing moved up.")).to_be_visible()
    assert stage_rows(page) == ["Testing", "Design", "Deployment"]
    expect(page.get_by_role("row", name=re.compile(r"Design")).get_by_text("2 of 3")).to_be_visible()
    shot(page, "pipeline-editor", readme="pipeline-editor")

    # publish after the confirmation step, which lists what changes
    page.get_by_role("link", name="Review and publish…").click()
    expect(heading(page)).to_have_text("Publish Internal tool version 2?")
    expect(page.get_by_text("Changes from the current version (v1)")).to_be_visible()
    page.get_by_role("button", name="Publish version 2").click()
    expect(flash(page, "Internal tool version 2 is published")).to_be_visible()
    expect(heading(page)).to_contain_text("version 2")

    # the diff between the versions
    page.get_by_role("button", name="Compare versions").click()
    expect(heading(page)).to_have_text("Changes from version 1 to version 2")
    expect(page.get_by_text("Reordered")).to_be_visible()
    design = page.get_by_role("table").filter(has=page.get_by_role("rowheader", name="Quorum"))
    expect(design.get_by_role("row", name=re.compile("^Quorum"))).to_contain_text("1")
    expect(design.get_by_role("row", name=re.compile("^Quorum"))).to_contain_text("2")
    criteria = design.get_by_role("row", name=re.compile("^Criteria"))
    expect(criteria).to_contain_text("RB-DES-01: low, medium, high → medium, high")
    shot(page, "pipeline-diff", readme="pipeline-diff")


def test_discarding_a_draft_asks_for_confirmation_first(live_server, page):
    chair = live_server.add_user("Dora Chair", "chair")
    sign_in(page, chair)
    page.get_by_role("link", name="Pipelines", exact=True).click()
    page.get_by_role("link", name="Generative AI service", exact=True).click()
    page.get_by_role("button", name="Start a new version").click()
    expect(heading(page)).to_contain_text("Draft version")

    # the first click only opens the confirmation, which says what is lost; nothing is discarded yet
    confirm = page.get_by_role("button", name=re.compile(r"^Yes, discard draft v\d+$"))
    expect(confirm).to_be_hidden()
    page.get_by_text("Discard draft…").click()
    expect(page.get_by_text("Every change in this draft is lost.")).to_be_visible()
    expect(heading(page)).to_contain_text("Draft version")
    confirm.click()
    expect(flash(page, "Draft discarded.")).to_be_visible()
    expect(page.get_by_role("button", name="Start a new version")).to_be_visible()
