"""Reporting an incident in Chromium: a submitter reports a serious incident from the project page (a date in
the future is refused with what was typed kept), lands on the incident with its Art. 73 deadline, and a chair
finds it in the register."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import flash, heading, high_risk_project, sign_in
from tests.browser.test_phone_width import PHONE, scrolls_sideways

pytestmark = pytest.mark.browser


def test_a_submitter_reports_a_serious_incident_and_a_chair_sees_it_in_the_register(live_server, new_page, shot,
                                                                                     tmp_path):
    from reviewboard.models.base import utcnow

    owner = live_server.add_user("Irene Incident", "submitter")
    chair = live_server.add_user("Carl Chair", "chair")
    project = "Ward bed allocation"
    project_id, _ = high_risk_project(live_server, owner, name=project)

    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project_id}")
    expect(page.get_by_text("No incidents reported on this system.")).to_be_visible()
    page.get_by_role("link", name="Report an incident").click()
    expect(heading(page)).to_have_text("Report an incident")

    title = "Two patients sent to a closed ward"
    page.get_by_label("Title").fill(title)
    page.get_by_label("What happened").fill("The allocator ignored the ward closure flag for six hours.")
    page.get_by_label("Severity").select_option(label="Serious incident (EU AI Act Art. 3(49))")
    page.get_by_label("What a serious incident led to").select_option(label="Serious harm to a person's health")
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    page.get_by_label("Detected on (UTC day)").fill(tomorrow)
    page.get_by_label("People affected (number)").fill("2")
    log = tmp_path / "allocator-log.md"
    log.write_text("# Allocator log\n\n02:10 closure flag ignored\n")
    page.get_by_label("Evidence files (optional)").set_input_files(str(log))
    page.get_by_role("button", name="Report incident").click()

    expect(page.get_by_text("The detection date cannot be in the future.").first).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value(title)  # nothing typed is lost
    shot(page, "incident-refused")
    detected = (utcnow().date() - timedelta(days=2)).isoformat()
    page.get_by_label("Detected on (UTC day)").fill(detected)
    page.get_by_label("Evidence files (optional)").set_input_files(str(log))  # browsers keep no chosen file
    page.get_by_role("button", name="Report incident").click()

    expect(flash(page, "Incident reported.")).to_be_visible()
    expect(heading(page)).to_have_text(title)
    due = (utcnow().date() - timedelta(days=2) + timedelta(days=15)).isoformat()
    expect(page.get_by_role("status").filter(has_text="record the report to the authority")).to_contain_text(due)
    expect(page.get_by_role("link", name="allocator-log.md")).to_be_visible()
    shot(page, "incident-reported")

    register = new_page()
    sign_in(register, chair)
    register.get_by_role("link", name="Incidents", exact=True).click()
    expect(heading(register)).to_have_text("Incident register")
    row = register.get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text(project)
    expect(row).to_contain_text("Serious")
    expect(row).to_contain_text("Project team or a chair: record the report to the authority")
    shot(register, "incident-register")
    incident_url = page.url

    phone = new_page(viewport=PHONE)
    sign_in(phone, chair)
    for name, url in {"register": "/incidents", "incident": incident_url,
                      "report form": f"/projects/{project_id}/incidents/new"}.items():
        phone.goto(url)
        assert not scrolls_sideways(phone), f"the incident {name} page scrolls sideways at 390 px"
