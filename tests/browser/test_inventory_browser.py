"""A chair opens the AI inventory at 1280 px and at 390 px, searches it by name and sorts it by a column header;
on a phone the page never scrolls sideways (the table scrolls in its own box). The 1280 px run takes the README's
picture of the inventory (a decided system with an open condition beside one in review)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, VIEWPORT
from tests.browser.test_conditions_and_rounds import _decide
from tests.browser.test_flows import heading, high_risk_project, sign_in
from tests.browser.test_phone_width import scrolls_sideways

pytestmark = pytest.mark.browser


def _decided_with_condition(live_server, owner) -> None:
    from datetime import timedelta

    from reviewboard.auth.models import User
    from reviewboard.models.base import utcnow
    from reviewboard.reviews.services import ConditionEntry
    from reviewboard.reviews.workflow import Outcome

    first = live_server.add_user("Ines Reviewer", "reviewer")
    second = live_server.add_user("Omar Reviewer", "reviewer")
    _, stage_id = high_risk_project(live_server, owner, waiting_days=9, name="Claims triage assistant")

    def approve_with_condition(make, stage):
        due = (utcnow() + timedelta(days=21)).date()
        condition = ConditionEntry("Publish the model card before go-live", owner.id, due)
        make.sign(make.session.get(User, first.id), stage, Outcome.APPROVE_WITH_CONDITIONS, conditions=[condition])
        make.sign(make.session.get(User, second.id), stage)

    _decide(live_server, stage_id, approve_with_condition)


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_a_chair_searches_and_sorts_the_inventory(live_server, new_page, shot, viewport):
    owner = live_server.add_user("Pat Project", "submitter")
    chair = live_server.add_user("Cleo Chair", "chair")
    name = "Regional ambulance-dispatch emergency-department load-forecasting assistant (inventory)"
    high_risk_project(live_server, owner, name=name)
    if viewport == VIEWPORT:  # the README's picture: a decided system with a condition beside the one in review
        _decided_with_condition(live_server, owner)

    page = new_page(viewport=viewport)
    sign_in(page, chair)
    page.goto("/inventory")
    expect(heading(page)).to_have_text("AI inventory")
    if viewport == VIEWPORT:
        expect(page.locator("tr[data-project]").filter(has_text="Claims triage assistant")).to_contain_text("1 open")
        shot(page, "inventory-all", readme="inventory")
    page.get_by_label("Name").fill("emergency-department")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tr[data-project]").filter(has_text=name)
    expect(row.first).to_be_visible()
    expect(row.first).to_contain_text("In review")
    page.get_by_role("link", name="System").click()
    expect(page.get_by_role("link", name="System")).to_have_attribute("aria-current", "true")
    expect(row.first).to_be_visible()  # the search is kept when sorting
    page.wait_for_load_state("load")
    assert not scrolls_sideways(page), "the inventory scrolls sideways"
    shot(page, "inventory-" + ("phone" if viewport == PHONE else "desktop"))
