"""The system register in Chromium: a submitter sees the registration duties the facts raise (with their
reasons) on the project page, adds a version after a malformed digest is refused with what was typed kept,
and records the missing filing with its receipt, which turns the duty to "Filed"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import flash, heading, high_risk_project, sign_in

pytestmark = pytest.mark.browser

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_a_submitter_adds_a_version_and_records_a_required_filing(live_server, page, shot, tmp_path):
    owner = live_server.add_user("Vera Version", "submitter")
    project_id, _ = high_risk_project(live_server, owner, name="Public story writer", generative_public=True)

    sign_in(page, owner)
    page.goto(f"/projects/{project_id}")
    duty = page.locator("#registration li.card", has_text="File the generative AI service offered to the public")
    expect(duty).to_contain_text("Missing: required before DEP")
    expect(duty).to_contain_text("Generated content (text, images, audio or video) is offered to members of the")
    expect(page.get_by_text("No version recorded yet.")).to_be_visible()

    page.get_by_role("link", name="All versions and add a version").click()
    expect(heading(page)).to_have_text("System versions")
    page.get_by_label("Version label").fill("1.0.0")
    page.get_by_label("Artifacts").fill(f"model story-70b.safetensors sha256:{HEX[:40]}")
    page.get_by_role("button", name="Add version").click()
    expect(page.get_by_text("Line 1: The digest").first).to_contain_text("is not a SHA-256")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_label("Version label")).to_have_value("1.0.0")  # nothing typed is lost
    page.get_by_label("Artifacts").fill(f"model story-70b.safetensors sha256:{HEX}\n"
                                        f"image registry.example.org/story@sha256:{HEX}")
    page.get_by_role("button", name="Add version").click()
    expect(flash(page, "Version 1.0.0 added.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="1.0.0")).to_contain_text("registry.example.org/story")
    shot(page, "system-versions")

    page.goto(f"/projects/{project_id}")
    duty.get_by_role("link", name="Record the filing").click()
    expect(heading(page)).to_have_text("File the generative AI service offered to the public")
    page.get_by_label("Reference number").fill("Filing 110108-2026-001")
    page.get_by_label("Filed on").fill("2026-11-02")
    receipt = tmp_path / "cac-receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4\n% receipt\n")
    page.get_by_label("Evidence (receipt or confirmation)").set_input_files(str(receipt))
    page.get_by_role("button", name="Record filing").click()
    expect(flash(page, "Filing Filing 110108-2026-001 recorded")).to_be_visible()
    expect(duty).to_contain_text("Filed")
    expect(duty.get_by_role("link", name="cac-receipt.pdf")).to_be_visible()
    shot(page, "registration-duties")
