"""Catalog import from the command line, immutability of versions and pinning of running reviews."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from reviewboard.catalogs.models import Catalog
from reviewboard.catalogs.schema import default_catalog_path


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def _variant(tmp_path: Path, version: str, question_suffix: str = "") -> Path:
    text = default_catalog_path().read_text()
    text = text.replace('version: "1.0.0"', f'version: "{version}"', 1)
    if question_suffix:
        marker = "question: "
        i = text.index(marker) + len(marker)
        end = text.index("?", i)
        text = text[:end] + question_suffix + text[end:]
    path = tmp_path / f"catalog-{version}.yaml"
    path.write_text(text)
    return path


def test_shipped_catalog_is_loaded_once(cli, db_session):
    result = cli("catalog", "import", str(default_catalog_path()))
    assert result.exit_code == 0
    assert "Already present" in result.output
    assert len(db_session.scalars(select(Catalog)).all()) == 1


def test_new_version_imports_and_same_version_with_other_content_is_refused(cli, db_session, tmp_path):
    result = cli("catalog", "import", str(_variant(tmp_path, "1.1.0", " (revised)")))
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "v1.1.0" in result.output
    changed = _variant(tmp_path, "1.1.0", " (revised twice)")
    refused = cli("catalog", "import", str(changed))
    assert refused.exit_code != 0
    assert "new version" in refused.output


def test_invalid_catalog_reports_line_numbers_and_imports_nothing(cli, db_session, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(default_catalog_path().read_text().replace('version: "1.0.0"', 'version: "9.9.9"', 1)
                    .replace("tiers: [low, medium, high]", "tiers: [low, extreme]", 1))
    result = cli("catalog", "import", str(path))
    assert result.exit_code != 0
    assert "line " in result.output and "extreme" in result.output
    assert db_session.scalar(select(Catalog).where(Catalog.version == "9.9.9")) is None


def test_running_review_stays_pinned_to_its_catalog_version(cli, make, db_session, tmp_path):
    stage = make.submitted_stage()
    pinned = stage.catalog_id
    assert cli("catalog", "import", str(_variant(tmp_path, "2.0.0", " (new wording)"))).exit_code == 0
    db_session.expire_all()
    assert stage.catalog_id == pinned
    assert all(c.catalog_id == pinned for c in stage.applicable_criteria())
    assert "(new wording)" not in " ".join(c.question for c in stage.applicable_criteria())
