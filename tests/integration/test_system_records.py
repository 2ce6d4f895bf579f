"""A stage record carries the system's versions and their artifacts (record-v4): in its JSON and printed."""

from __future__ import annotations

from reviewboard.records import pdf
from reviewboard.reviews import lifecycle
from reviewboard.systems.services import add_version

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def test_a_record_lists_the_versions_and_their_artifact_digests(make, issued_records):
    project = make.project()
    add_version(project.owner, project, "1.0.0", "First release.", [("model", "triage.safetensors", HEX)])
    stage = project.stages[0]
    make.evidence(stage)
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    data = issued_records[-1]
    assert int(data["template_version"].removeprefix("record-v")) >= 4  # versions are in records since v4
    [version] = data["system"]["versions"]
    assert version["label"] == "1.0.0" and version["release_notes"] == "First release."
    assert version["artifacts"] == [{"kind": "model", "name": "triage.safetensors", "digest": f"sha256:{HEX}"}]
    assert data["system"]["retired_at"] is None
    html = pdf.render_record_html(data)
    assert "System versions" in html and f"sha256:{HEX}" in html and "triage.safetensors" in html
    assert any(e["action"] == "system.version_added" for e in data["audit_events"])


def test_a_record_prints_the_registration_duties_their_reasons_and_filings(make, issued_records):
    from reviewboard.models.base import utcnow
    from reviewboard.registration.services import add_filing

    project = make.project(generative_public=True, training_flop=2e25)
    add_filing(project.owner, project, "TC260-GENAI-FILING", "CAC", "Filing 110108-2026-001", utcnow().date(),
               "receipt.pdf", b"%PDF-1.4\n% receipt\n")
    stage = project.stages[0]
    make.evidence(stage)
    lifecycle.submit_stage(project.owner, stage, "", stage.version)
    for reviewer in make.reviewers():
        make.sign(reviewer, stage)
    registration = issued_records[-1]["registration"]
    assert registration["ruleset"] == "1.1.0"
    assert {"fact": "Training compute", "value": "2e+25 FLOP",
            "translations": {"zh-Hans": {"fact": "训练算力", "value": "2e+25 FLOP"}}} in registration["facts"]
    genai, gpai = registration["duties"]
    assert genai["code"] == "TC260-GENAI-FILING" and genai["filing"]["reference"] == "Filing 110108-2026-001"
    assert gpai["code"] == "EU-AIA-ART52-GPAI-NOTIFICATION" and gpai["filing"] is None
    assert gpai["reasons"] and "[unverified]" in gpai["source"] and gpai["required_before"] == "DEP"
    # the JSON carries both languages
    assert gpai["translations"]["zh-Hans"]["title"] == "就具有系统性风险的通用人工智能模型通知欧盟委员会"
    html = pdf.render_record_html(issued_records[-1])
    assert "Registration duties (ruleset 1.1.0)" in html and "Filing 110108-2026-001" in html
    assert "Notify the Commission of a general-purpose AI model with systemic risk" in html and "Not filed" in html
    # a record in Chinese prints the duties in Chinese; a bilingual one, both
    chinese = pdf.render_record_html({**issued_records[-1], "language": "zh-Hans"})
    assert "就具有系统性风险的通用人工智能模型通知欧盟委员会" in chinese and "欧盟委员会（人工智能办公室）" in chinese
    assert "该模型的训练算力超过 10^25 FLOP，超过此阈值即推定具有系统性风险。（训练算力：2e+25 FLOP）" in chinese
    assert "训练算力: 2e+25 FLOP" in chinese and "［未核实］" in chinese
    assert "Notify the Commission" not in chinese and "[unverified]" not in chinese
    both = pdf.render_record_html({**issued_records[-1], "language": "both"})
    assert "Notify the Commission of a general-purpose AI model with systemic risk" in both
    assert "就具有系统性风险的通用人工智能模型通知欧盟委员会" in both
