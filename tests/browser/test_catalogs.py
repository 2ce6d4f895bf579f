"""A chair imports a new catalog version in the browser, compares it with the previous one and follows a
criterion's crosswalk to every criterion citing the same EU AI Act article. Driven in Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from reviewboard.catalogs.schema import default_catalog_path
from tests.browser.test_flows import flash, heading, sign_in

pytestmark = pytest.mark.browser

FIXTURE_1_1 = Path(__file__).resolve().parents[1] / "fixtures" / "rb-tc260-lifecycle-1.1.0.yaml"
KEY = "rb-browser-catalog"
NAME = "Browser test catalog"


def _under_own_key(text: str) -> str:
    """The catalog under a key of its own: the live server is shared, and pipelines follow the newest
    version of the shipped catalog's key, which other browser tests expect to stay 1.0.0."""
    return text.replace("key: rb-tc260-lifecycle\n", f"key: {KEY}\n", 1).replace(
        "name: ReviewBoard lifecycle criteria (TC260-derived)", f"name: {NAME}", 1)


def test_chair_imports_a_version_and_compares_it(live_server, page, shot, tmp_path):
    chair = live_server.add_user("Cora Chair", "chair")
    sign_in(page, chair)
    page.goto("/catalogs")
    page.get_by_role("link", name="Import a catalog version").click()
    base = tmp_path / "base.yaml"
    base.write_text(_under_own_key(default_catalog_path().read_text()))
    page.get_by_label("Catalog file (YAML)").set_input_files(str(base))
    page.get_by_role("button", name="Import this version").click()
    expect(flash(page, "Imported")).to_contain_text(f"{NAME} v1.0.0")
    page.goto("/catalogs/import")

    broken = tmp_path / "broken.yaml"  # a later version that drops a criterion instead of deprecating it
    text = _under_own_key(FIXTURE_1_1.read_text())
    start = text.index("  - id: RB-OPS-09\n")
    broken.write_text(text[:start] + text[text.index("\n  - id: ", start + 1) + 1:])
    page.get_by_label("Catalog file (YAML)").set_input_files(str(broken))
    page.get_by_role("button", name="Import this version").click()
    problems = page.locator("#catalog-problems")
    expect(problems).to_contain_text("criterion RB-OPS-09 (present in version 1.0.0) is missing")
    expect(problems).to_contain_text("deprecated: true")

    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(text)
    page.get_by_label("Catalog file (YAML)").set_input_files(str(fixed))
    page.get_by_role("button", name="Import this version").click()
    expect(flash(page, "Imported")).to_contain_text("v1.1.0")
    expect(heading(page)).to_contain_text("v1.1.0")

    page.goto("/catalogs")
    page.locator(f"section:has(#h-{KEY})").get_by_role("link", name="What changed from v1.0.0 to v1.1.0").click()
    expect(page.get_by_role("heading", name="Added (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Removed — deprecated (1)")).to_be_visible()
    expect(page.get_by_role("heading", name="Reworded (1)")).to_be_visible()
    shot(page, "catalog-diff", readme="catalog-diff")

    page.get_by_role("link", name="RB-DES-04").first.click()
    expect(heading(page)).to_contain_text("Impact assessment for people and society")
    shot(page, "catalog-criterion-crosswalk", readme="catalog-criterion")
    page.get_by_role("link", name="Art. 9", exact=True).click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("RB-DES-04")
    expect(rows.nth(1)).to_contain_text("RB-TST-01")
