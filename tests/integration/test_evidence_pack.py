"""Evidence packs: export, offline verification, and every kind of alteration caught."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.conftest import cli_runner, shared_session
from tests.support.http import login, logout

pytestmark = pytest.mark.real_records  # the pack's verification checks each record's signature


@pytest.fixture()
def cli(app, db_session):
    return cli_runner(app)


def _demo_project_id(session) -> int:
    from sqlalchemy import select

    from reviewboard.projects.models import Project

    return session.scalar(select(Project.id).where(Project.name == "Emergency triage assistant"))


@pytest.fixture(scope="module")
def pack(app, world_connection, demo_world, tmp_path_factory):
    """The demo's triage assistant exported once as a pack (each test changes its own copy)."""
    path = tmp_path_factory.mktemp("pack") / "pack.zip"
    with shared_session(app, world_connection) as session:
        result = cli_runner(app)("pack", "export", str(_demo_project_id(session)), "-o", str(path))
        assert result.exit_code == 0, result.output
    return path


def _rewrite(path, tmp_path, change):
    src = zipfile.ZipFile(path)
    entries = {n: src.read(n) for n in src.namelist()}
    change(entries)
    out = tmp_path / "changed.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out


def test_pack_contains_records_json_evidence_and_verifies(cli, pack):
    names = zipfile.ZipFile(pack).namelist()
    assert "manifest.json" in names and "manifest.sig" in names and "manifest.sha256" in names
    assert any(n.startswith("records/") and n.endswith(".pdf") for n in names)
    assert any(n.startswith("records/") and n.endswith(".json") for n in names)
    assert any(n.startswith("evidence/DES/") for n in names)
    result = cli("pack", "verify", str(pack))
    assert result.exit_code == 0, result.output
    assert "record signature(s) valid" in result.output


@pytest.mark.parametrize(("label", "change", "message"), [
    ("altered evidence", lambda e: e.update({k: e[k] + b"x" for k in e if k.startswith("evidence/")}), "altered"),
    ("added file", lambda e: e.update({"evidence/DES/extra.txt": b"smuggled"}), "added"),
    ("removed record", lambda e: [e.pop(k) for k in [k for k in e if k.endswith(".json") and "records/" in k]],
     "missing"),
    ("edited manifest", lambda e: e.update({"manifest.json": e["manifest.json"].replace(b'"tier"', b'"tier" ')}),
     "manifest altered"),
])
def test_any_change_to_the_pack_fails_verification(cli, pack, tmp_path, label, change, message):
    changed = _rewrite(pack, tmp_path, change)
    result = cli("pack", "verify", str(changed))
    assert result.exit_code == 1, label
    assert message in result.output


def test_chair_and_auditor_download_packs_submitter_cannot(demo_world, client, make, db_session):
    project_id = _demo_project_id(db_session)
    login(client, "aude@example.org", "demo-password-2026")
    response = client.get(f"/projects/{project_id}/pack.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("manifest.json"))
    assert manifest["project"]["name"] == "Emergency triage assistant"
    logout(client)
    other = make.user("submitter")
    login(client, other)
    assert client.get(f"/projects/{project_id}/pack.zip").status_code == 404
