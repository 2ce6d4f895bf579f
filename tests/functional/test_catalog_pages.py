"""Catalog screens over HTTP: browsing, filters, a criterion's crosswalk, the version diff and the chair's import."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import select

from reviewboard.audit.models import AuditEvent
from reviewboard.catalogs.models import Catalog
from reviewboard.catalogs.schema import default_catalog_path
from reviewboard.catalogs.services import find_catalog, import_catalog_file
from tests.support.http import login, logout, token_for

FIXTURE_1_1 = Path(__file__).resolve().parents[1] / "fixtures" / "rb-tc260-lifecycle-1.1.0.yaml"
KEY = "rb-tc260-lifecycle"
CODE_LINK = re.compile(r"/criteria/(RB-[A-Z]{3}-\d\d)\"")


def _codes(response) -> list[str]:
    assert response.status_code == 200
    return CODE_LINK.findall(response.get_data(as_text=True))


def _shipped() -> Catalog:
    return find_catalog(KEY, "1.0.0")


def test_filter_by_framework_reference_stage_tier_and_search(client, make, db_session):
    login(client, make.user("submitter"))
    base = f"/catalogs/{_shipped().id}"
    assert len(_codes(client.get(base))) == 59
    assert _codes(client.get(base, query_string={"ref": "EU-AI-Act|Art. 9"})) == ["RB-DES-04", "RB-TST-01"]
    assert _codes(client.get(base, query_string={"tier": "low", "stage": "TST", "ref": "EU-AI-Act|Art. 9"})) == [
        "RB-TST-01"]  # RB-DES-04 is for medium and high tiers, and in DES
    assert _codes(client.get(base, query_string={"q": "POISONING"})) == ["RB-DEV-03"]
    tst_high_only = _codes(client.get(base, query_string={"stage": "TST"}))
    assert "RB-TST-12" in tst_high_only and all(c.startswith("RB-TST-") for c in tst_high_only)
    assert "RB-TST-12" not in _codes(client.get(base, query_string={"stage": "TST", "tier": "medium"}))
    empty = client.get(base, query_string={"q": "no criterion says this"})
    assert "No criteria match these filters." in empty.get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert '<option value="EU-AI-Act|Art. 9"' in page and "EU AI Act Art. 9" in page


def test_criterion_page_shows_sources_and_crosswalk_with_unverified_flags(client, make, db_session):
    login(client, make.user("reviewer"))
    response = client.get(f"/catalogs/{_shipped().id}/criteria/RB-DES-01")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for label in ("TC260 AI Safety Governance Framework 1.0", "NIST AI RMF 1.0", "ISO/IEC 42001:2023 (Annex A)",
                  "EU AI Act"):
        assert label in html
    # 3 verified TC260 references, 5 unverified crosswalk references
    assert html.count("<td>verified</td>") == 3 and html.count("<em>unverified</em>") == 5
    assert "ref=EU-AI-Act%7CArt.+13" in html  # each reference links to every criterion citing it
    assert client.get(f"/catalogs/{_shipped().id}/criteria/RB-XXX-99").status_code == 404


def test_version_diff_page_and_deprecated_criteria(client, make, db_session):
    new, _ = import_catalog_file(None, FIXTURE_1_1)
    login(client, make.user("auditor"))
    index = client.get("/catalogs").get_data(as_text=True)
    assert "v1.1.0" in index and "What changed from v1.0.0 to v1.1.0" in index
    html = client.get(f"/catalogs/{KEY}/diff", query_string={"from": "1.0.0", "to": "1.1.0"}).get_data(as_text=True)
    assert "Added (1)" in html and "RB-OPS-13" in html
    assert "Removed — deprecated (1)" in html and "RB-OPS-09" in html
    assert "Reworded (1)" in html and "Periodic independent audit" in html
    assert "References changed (1)" in html and "A.6.2.4" in html
    assert "Tiers changed (1)" in html and "medium, high → low, medium, high" in html
    same = client.get(f"/catalogs/{KEY}/diff", query_string={"from": "1.1.0", "to": "1.1.0"})
    assert "No criterion differs between these two versions." in same.get_data(as_text=True)
    assert client.get(f"/catalogs/{KEY}/diff", query_string={"from": "0.1"}).status_code == 404
    assert client.get("/catalogs/no-such-key/diff").status_code == 404
    # a deprecated criterion is hidden from the list unless asked for
    assert "RB-OPS-09" not in _codes(client.get(f"/catalogs/{new.id}"))
    assert "RB-OPS-09" in _codes(client.get(f"/catalogs/{new.id}", query_string={"deprecated": "1"}))


def _upload(client, text: str, name: str = "catalog.yaml", with_token: bool = True):
    data = {"file": (io.BytesIO(text.encode()), name)}
    if with_token:
        data["csrf_token"] = token_for(client, "/catalogs/import")
    return client.post("/catalogs/import", data=data, content_type="multipart/form-data")


def test_only_a_chair_may_import_a_catalog(client, make, db_session):
    for role in ("submitter", "reviewer", "auditor"):
        login(client, make.user(role))
        assert client.get("/catalogs/import").status_code == 403, role
        token = token_for(client, "/dashboard")
        data = {"file": (io.BytesIO(FIXTURE_1_1.read_bytes()), "c.yaml"), "csrf_token": token}
        assert client.post("/catalogs/import", data=data, content_type="multipart/form-data").status_code == 403
        assert find_catalog(KEY, "1.1.0") is None, role
        assert "Import a catalog version" not in client.get("/catalogs").get_data(as_text=True)
        logout(client)


def test_chair_imports_a_version_in_the_browser_and_it_is_audited(client, make, db_session):
    chair = make.user("chair")
    login(client, chair)
    assert "Import a catalog version" in client.get("/catalogs").get_data(as_text=True)
    response = _upload(client, FIXTURE_1_1.read_text())
    assert response.status_code == 302
    catalog = find_catalog(KEY, "1.1.0")
    assert response.headers["Location"] == f"/catalogs/{catalog.id}"
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "catalog.imported",
                                                        AuditEvent.object_id == str(catalog.id))).one()
    assert event.actor_id == chair.id
    again = _upload(client, FIXTURE_1_1.read_text())
    assert again.status_code == 302  # the very same file: nothing to do


def test_upload_errors_are_listed_with_their_lines_and_nothing_is_imported(client, make, db_session):
    login(client, make.user("chair"))
    text = default_catalog_path().read_text().replace('version: "1.0.0"', 'version: "1.2.0"', 1)
    bad = text.replace("tiers: [low, medium, high]", "tiers: [low, extreme]", 1)
    line = next(i for i, row in enumerate(bad.splitlines(), 1) if "extreme" in row)
    response = _upload(client, bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"line {line}: criterion RB-DES-01: unknown tier &#39;extreme&#39;" in html
    assert find_catalog(KEY, "1.2.0") is None

    start = text.index("  - id: RB-OPS-04\n")
    dropped = text[:start] + text[text.index("\n  - id: ", start + 1) + 1:]
    response = _upload(client, dropped)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "RB-OPS-04" in html and "deprecated: true" in html and "Nothing was imported" in html
    assert find_catalog(KEY, "1.2.0") is None

    changed = _upload(client, default_catalog_path().read_text() + "\n# edited\n")
    assert changed.status_code == 422 and "publish the change as a new version" in changed.get_data(as_text=True)


def test_upload_without_csrf_token_is_refused(client, make, db_session):
    login(client, make.user("chair"))
    response = _upload(client, FIXTURE_1_1.read_text(), with_token=False)
    assert response.status_code == 400
    assert find_catalog(KEY, "1.1.0") is None
