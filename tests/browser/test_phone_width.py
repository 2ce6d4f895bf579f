"""At 390 px (a phone held upright) no page scrolls sideways: the menu folds behind a "Menu" button that opens
without JavaScript, and wide tables scroll inside their own box. Checked on the dashboard, queue, project,
stage (as its reviewer and as its submitter) and records pages, with real content in each."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, LiveServer, Person, outside_event_loop
from tests.browser.test_flows import heading, high_risk_project, sign_in

pytestmark = pytest.mark.browser

LONG_NAME = "Regional hospital emergency-department triage-priority assistant for night shifts"


def scrolls_sideways(page: Page) -> bool:
    # after a click the new page's DOM can be read before its style sheets arrive: measured then, an unstyled
    # table is wider than a phone (a CI run saw it); "load" waits for the style sheets and images
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def decided_project(live: LiveServer, owner: Person, reviewers: list[Person]) -> int:
    """A project whose Design stage is approved (signed record issued); returns the project id."""
    from reviewboard.auth.models import User
    from reviewboard.reviews.models import StageReview
    from tests.support.factories import Factory

    project_id, stage_id = high_risk_project(live, owner, name="Benefits document pre-check")

    def approve():  # pyHanko signs the record: off Playwright's event loop
        with live.session() as session:
            make = Factory(session)
            for person in reviewers:
                make.sign(session.get(User, person.id), session.get(StageReview, stage_id))

    outside_event_loop(approve)
    return project_id


def test_no_page_scrolls_sideways_at_phone_width_and_the_menu_folds(live_server, new_page, shot):
    from reviewboard.auth.models import User
    from reviewboard.reviews.models import StageReview
    from tests.support.factories import Factory

    owner = live_server.add_user("Pat Phone", "submitter")
    chair = live_server.add_user("Cleo Chair-Reviewer", "chair", "reviewer")
    rita = live_server.add_user("Rita Reviewer", "reviewer")
    decided_project(live_server, owner, [rita, live_server.add_user("Ravi Reviewer", "reviewer")])
    project_id, stage_id = high_risk_project(live_server, owner, name=LONG_NAME)
    with live_server.session() as session:  # the chair reviews: the stage page shows the whole review form
        Factory(session).declare(session.get(User, chair.id), session.get(StageReview, stage_id))

    page = new_page(viewport=PHONE)
    sign_in(page, chair)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.bounding_box()["height"] < 80, "the menu takes the top of the page"
    expect(nav.get_by_role("link", name="Review queue")).to_be_hidden()
    shot(page, "phone-dashboard", readme="11-phone-dashboard")

    nav.get_by_text("Menu", exact=True).click()  # <details>: opens without JavaScript
    expect(nav.get_by_role("link", name="Review queue")).to_be_visible()
    shot(page, "phone-menu-open")
    nav.get_by_role("link", name="Review queue").click()
    expect(heading(page)).to_have_text("Review queue")
    expect(page.get_by_role("link", name=LONG_NAME)).to_be_visible()
    assert page.locator(".table-responsive").evaluate("e => e.scrollWidth > e.clientWidth"), \
        "the queue is wider than a phone: it should scroll inside its box"
    shot(page, "phone-queue", readme="12-phone-queue")

    pages = {"dashboard": "/dashboard", "queue": "/queue?status=all", "project": f"/projects/{project_id}",
             "stage (reviewer)": f"/stages/{stage_id}", "records": "/records"}
    for name, url in pages.items():
        page.goto(url)
        assert not scrolls_sideways(page), f"the {name} page scrolls sideways at 390 px"
        shot(page, "phone-" + name.split()[0])
    expect(page.get_by_role("link", name="PDF", exact=True).first).to_be_visible()  # records has a row

    submitter = new_page(viewport=PHONE)
    sign_in(submitter, owner)
    with live_server.session() as session:
        draft_stage = Factory(session).project(session.get(User, owner.id), name=LONG_NAME + " II").stages[0].id
    for name, url in {"dashboard": "/dashboard", "project": f"/projects/{project_id}",
                      "stage (submitter, draft)": f"/stages/{draft_stage}"}.items():
        submitter.goto(url)
        assert not scrolls_sideways(submitter), f"the {name} page scrolls sideways at 390 px for the submitter"
