"""`reviewboard system ...` on both engines: a build job adds a version with its digests (a malformed one is
refused with its reason and exit 1, nothing stored), and the versions and duties read back, as JSON too."""

from __future__ import annotations

import json

import pytest

from reviewboard.systems.services import versions_of

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture()
def cli(app, db_session):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args), catch_exceptions=False)


def test_a_build_job_adds_a_version_and_reads_it_back(cli, make):
    project = make.project()
    result = cli("system", "add-version", str(project.id), "2.0.0", "--artifact", "image",
                 "ghcr.io/acme/triage", f"sha256:{HEX.upper()}", "--notes", "Built by CI.", "--as", project.owner.email)
    assert result.exit_code == 0, result.output
    assert "Added version 2.0.0" in result.output
    [version] = versions_of(project)
    assert version.artifacts[0].digest == f"sha256:{HEX}"
    listing = cli("system", "versions", str(project.id))
    assert f"image    sha256:{HEX}  ghcr.io/acme/triage" in listing.output
    [line] = cli("system", "versions", str(project.id), "--json").output.splitlines()
    assert json.loads(line)["artifacts"] == [{"kind": "image", "name": "ghcr.io/acme/triage",
                                             "digest": f"sha256:{HEX}"}]


@pytest.mark.parametrize(("args", "message"), [
    (("--artifact", "image", "app", "sha256:1234"), "The digest 'sha256:1234' is not a SHA-256"),
    (("--artifact", "weights", "app", HEX), "the kind 'weights' is not one of"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_stored(cli, make, db_session, args, message):
    project = make.project()
    db_session.commit()
    result = cli("system", "add-version", str(project.id), "1.0", *args, "--as", project.owner.email)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert versions_of(project) == []


def test_an_unknown_project_or_account_or_an_outsider_is_refused(cli, make, db_session):
    project, chair = make.project(), make.user("chair")
    db_session.commit()  # what the commands roll back on a refusal is theirs alone
    artifact = ("--artifact", "model", "m.bin", HEX)
    assert "There is no project 999999" in cli("system", "add-version", "999999", "1", *artifact, "--as",
                                               project.owner.email).output
    assert "There is no account" in cli("system", "add-version", str(project.id), "1", *artifact, "--as",
                                        "nobody@example.test").output
    outsider = cli("system", "add-version", str(project.id), "1", *artifact, "--as", chair.email)
    assert outsider.exit_code == 1 and "Only the project's members" in outsider.output


def test_duties_are_printed_with_reasons_sources_and_filings(cli, make):
    project = make.project(generative_public=True, training_flop=2e25)
    result = cli("system", "duties", str(project.id))
    assert result.exit_code == 0
    assert "TC260-GENAI-FILING  NOT FILED  [required before DEP]" in result.output
    assert "why: The model was trained with more than 10^25 FLOP" in result.output and "[unverified]" in result.output
    data = json.loads(cli("system", "duties", str(project.id), "--json").output)
    assert [d["code"] for d in data["duties"]] == ["TC260-GENAI-FILING", "EU-AIA-ART52-GPAI-NOTIFICATION"]


def test_a_filing_is_recorded_from_the_command_line_and_a_bad_one_refused(cli, make, db_session, tmp_path):
    project = make.project(generative_public=True)
    db_session.commit()
    receipt, program = tmp_path / "receipt.pdf", tmp_path / "receipt2.pdf"
    receipt.write_bytes(b"%PDF-1.4\n% receipt\n")
    program.write_bytes(b"MZ\x90 not a pdf")
    args = ("system", "file", str(project.id), "TC260-GENAI-FILING", "--authority", "CAC", "--reference",
            "Filing 110108-2026-001", "--date", "2026-11-01", "--as", project.owner.email)
    refused = cli(*args, "--evidence", str(program))
    assert refused.exit_code == 1 and "is not a PDF file" in refused.output
    done = cli(*args, "--evidence", str(receipt))
    assert done.exit_code == 0 and "Recorded filing Filing 110108-2026-001" in done.output
    assert "filed: Filing 110108-2026-001 (2026-11-01)" in cli("system", "duties", str(project.id)).output


def test_duties_are_printed_in_the_organisations_language_with_the_listing_line_unchanged(cli, make, app,
                                                                                         monkeypatch):
    project = make.project(generative_public=True)
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "zh-Hans")
    output = cli("system", "duties", str(project.id)).output
    assert "TC260-GENAI-FILING  NOT FILED  [required before DEP]" in output  # what scripts read
    assert "    为面向公众提供的生成式人工智能服务办理备案 (国家互联网信息办公室（通过省级网信办办理）)" in output
    assert "    原因：" in output and "（面向公众的生成内容：是）" in output
    assert "    依据：TC260《人工智能安全治理框架》" in output
    assert "备案登记义务（规则集 1.1.0）：" in output and "面向公众的生成内容: 是" in output
    assert "File the generative AI service" not in output and "why:" not in output
