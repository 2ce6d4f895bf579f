"""The project page's Team section at 390 px: an owner adds a colleague by e-mail with a role, sees the
refusal for an unknown address beside the field, and removes the colleague through the confirmation page,
without the page scrolling sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_flows import flash, heading, sign_in
from tests.browser.test_phone_width import scrolls_sideways

pytestmark = pytest.mark.browser


def test_an_owner_manages_the_team_at_phone_width(live_server, new_page):
    from reviewboard.auth.models import User
    from tests.support.factories import Factory

    owner = live_server.add_user("Tara Team-Owner", "submitter")
    colleague = live_server.add_user("Colin Colleague", "submitter")
    with live_server.session() as session:
        project_id = Factory(session).project(session.get(User, owner.id), name="Team section check").id

    page = new_page(viewport=PHONE)
    sign_in(page, owner)
    page.goto(f"/projects/{project_id}")
    team = page.locator("#team")
    page.get_by_label("E-mail of the person").fill("nobody@example.test")
    team.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_role("alert").filter(has_text="No account uses this e-mail address")).to_be_visible()
    expect(page.get_by_label("E-mail of the person")).to_have_value("nobody@example.test")

    page.get_by_label("E-mail of the person").fill(colleague.email)
    page.get_by_label("Role", exact=True).select_option("viewer")
    team.get_by_role("button", name="Add to the team").click()
    expect(flash(page, "Colin Colleague joined the team as viewer.")).to_be_visible()
    expect(team.get_by_role("cell", name="Colin Colleague", exact=True)).to_be_visible()
    assert not scrolls_sideways(page)

    team.get_by_role("link", name="Remove Colin Colleague").click()
    expect(heading(page)).to_have_text("Remove Colin Colleague from the team?")
    page.get_by_role("button", name="Remove from the team").click()
    expect(flash(page, "Colin Colleague was removed from the team.")).to_be_visible()
    expect(team.get_by_role("cell", name="Colin Colleague", exact=True)).to_have_count(0)
