"""A chair opens the AI inventory at 1280 px and at 390 px, searches it by name and sorts it by a column header;
on a phone the page never scrolls sideways (the table scrolls in its own box)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, VIEWPORT
from tests.browser.test_flows import heading, high_risk_project, sign_in
from tests.browser.test_phone_width import scrolls_sideways

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_a_chair_searches_and_sorts_the_inventory(live_server, new_page, shot, viewport):
    owner = live_server.add_user("Pat Project", "submitter")
    chair = live_server.add_user("Cleo Chair", "chair")
    name = "Regional ambulance-dispatch emergency-department load-forecasting assistant (inventory)"
    high_risk_project(live_server, owner, name=name)

    page = new_page(viewport=viewport)
    sign_in(page, chair)
    page.goto("/inventory")
    expect(heading(page)).to_have_text("AI inventory")
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
