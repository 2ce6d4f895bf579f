"""The command line speaks the organisation's DEFAULT_LANGUAGE (a command has no signed-in person): progress lines
and errors in Chinese when it is zh-Hans, word for word as before in English; what scripts read stays the same in
every language (the OK/FAILED status words, JSON). Both engines."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli_runner


@pytest.fixture()
def cli(app, db_session):
    return cli_runner(app)


@pytest.mark.parametrize(("language", "missing", "verified"), [
    ("zh-Hans", "没有编号为 999999 的项目。", "链完整"),
    ("en", "No project with id 999999.", "chain intact"),
])
def test_messages_to_people_are_in_the_organisations_language(cli, app, monkeypatch, tmp_path, language, missing,
                                                              verified):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", language)
    refused = cli("pack", "export", "999999", "-o", str(tmp_path / "pack.zip"))
    assert refused.exit_code == 1 and missing in refused.output
    checked = cli("audit", "verify")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("OK: ") and verified in checked.output  # the status word scripts read


def test_machine_readable_output_is_the_same_in_every_language(cli, app, make, monkeypatch):
    project = make.project()
    outputs = {}
    for language in ("en", "zh-Hans"):
        monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", language)
        result = cli("system", "duties", str(project.id), "--json")
        assert result.exit_code == 0, result.output
        outputs[language] = json.loads(result.output)
    assert outputs["zh-Hans"] == outputs["en"] and "duties" in outputs["en"]
