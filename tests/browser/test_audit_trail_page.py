"""An auditor reads the audit trail in the browser at 1280 px and at 390 px: filters it by action, verifies the
chain with the button, and downloads the filtered slice as CSV; on a phone the page never scrolls sideways."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, VIEWPORT
from tests.browser.test_flows import heading, high_risk_project, sign_in
from tests.browser.test_phone_width import scrolls_sideways

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["1280px", "390px"])
def test_an_auditor_filters_verifies_and_exports_the_trail(live_server, new_page, shot, viewport):
    owner = live_server.add_user("Pat Project", "submitter")
    auditor = live_server.add_user("Ada Auditor", "auditor")
    _project_id, stage_id = high_risk_project(live_server, owner, name="Night-shift triage assistant")

    page = new_page(viewport=viewport)
    sign_in(page, auditor)
    page.goto("/audit")
    expect(heading(page)).to_have_text("Audit trail")
    assert page.locator("tr[data-seq]").count() > 0
    page.get_by_label("Stage number").fill(str(stage_id))  # the live server is shared by the module's tests
    page.get_by_label("Action").fill("stage.submitted")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tr[data-seq]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("stage.submitted")
    page.wait_for_load_state("load")  # style sheets applied before measuring (a busy machine lags)
    assert not scrolls_sideways(page), "the audit trail scrolls sideways"

    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verify-result")).to_contain_text("Chain intact")
    expect(rows).to_have_count(1)  # the filter is kept
    page.wait_for_load_state("load")
    assert not scrolls_sideways(page)
    shot(page, "audit-trail-" + ("phone" if viewport == PHONE else "desktop"))

    with page.expect_download() as download:
        page.get_by_role("button", name="Export these events as CSV").click()
    data = download.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(data)))
    assert table[0][0] == "chain head seq" and len(table[0][3]) == 64
    assert [r[4] for r in table[4:]] == ["stage.submitted"]
