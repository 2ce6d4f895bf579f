"""A system certificate prints in the organisation's record language (certificates/pdf.py): its labels in
Simplified Chinese when RECORD_LANGUAGE is zh-Hans, in the organisation's default language when records are
bilingual, and word for word as before in English. The statement's own values (names, ids, hashes) print as
signed."""

from __future__ import annotations

import pytest

from reviewboard.certificates.pdf import render_certificate_html, render_certificate_pdf
from tests.records.test_pdf_signing import pdf_text, squash

STATEMENT = {
    "_type": "https://in-toto.io/Statement/v1",
    "predicateType": "https://reviewboard.example/certificate/v1",
    "subject": [{"name": "model.onnx", "digest": {"sha256": "ab" * 32}}],
    "predicate": {
        "certificate_id": "RBC-000007-3", "tier": "high", "issued_at": "2026-11-29T10:00:00Z",
        "valid_until": "2027-11-29",
        "system": {"id": 7, "name": "城市问答助手"}, "version": {"id": 3, "label": "1.2.0"},
        "issuer": {"organisation": "Example Ethics Board", "status_url": "https://rb.example/c/RBC-000007-3",
                   "status_list_url": "https://rb.example/certificates/status-list.json",
                   "seal_certificate_sha256": "cd" * 32},
        "stages": [{"code": "DEP", "name": "Deployment", "outcome": "approved_with_conditions",
                    "decided_at": "2026-11-28T09:00:00Z", "record_id": "RB-000001", "record_file_sha256": "ef" * 32}],
        "registration": [], "open_conditions": [],
    },
}


@pytest.mark.parametrize(("record_language", "default", "expected", "absent"), [
    ("zh-Hans", "en", ["系统证书：已通过伦理审查", "已审查的阶段", "已附条件批准", "风险等级", "高",
                       "不适用任何登记或备案义务。"],
     ["Stages reviewed", "Risk tier"]),
    ("both", "zh-Hans", ["系统证书：已通过伦理审查", "签发方"], ["Issuer"]),
    ("en", "zh-Hans", ["System certificate: ethically reviewed", "Stages reviewed", "Approved with conditions",
                       "Risk tier", "High", "No registration or filing duty applies.",
                       "2027-11-29 (the next re-review), unless suspended or revoked earlier"], ["系统证书"]),
])
def test_the_certificate_prints_in_the_organisations_record_language(app, monkeypatch, record_language, default,
                                                                     expected, absent):
    monkeypatch.setitem(app.config, "RECORD_LANGUAGE", record_language)
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", default)
    with app.app_context():
        html = render_certificate_html(STATEMENT)
    language = record_language if record_language != "both" else default
    assert f'<html lang="{language}">' in html
    assert all(text in html for text in expected), [text for text in expected if text not in html]
    assert not [text for text in absent if text in html]
    assert "城市问答助手" in html and "RBC-000007-3" in html  # the statement's values as signed


@pytest.mark.real_records
def test_a_chinese_certificate_gives_its_characters_back(app, monkeypatch, tmp_path, engine_name):
    if engine_name != "sqlite":
        pytest.skip("the PDF does not depend on the database: rendered once")
    monkeypatch.setitem(app.config, "RECORD_LANGUAGE", "zh-Hans")
    with app.app_context():
        text = squash(pdf_text(tmp_path, render_certificate_pdf(STATEMENT)))
    for expected in ("系统证书：已通过伦理审查", "已审查的阶段", "城市问答助手", "签发方", "ReviewBoard系统证书"):
        assert squash(expected) in text, expected


def _with_duty(ruleset: str) -> dict:
    predicate = {**STATEMENT["predicate"], "registration": [
        {"code": "TC260-GENAI-FILING", "title": "File the generative AI service offered to the public",
         "authority": "Cyberspace Administration of China", "reasons": [], "ruleset": ruleset,
         "filing": {"authority": "CAC", "reference": "GD-2026-0042", "date": "2026-11-02"}}]}
    return {**STATEMENT, "predicate": predicate}


@pytest.mark.parametrize(("record_language", "ruleset", "title"), [
    ("zh-Hans", "1.1.0", "为面向公众提供的生成式人工智能服务办理备案"),
    ("en", "1.1.0", "File the generative AI service offered to the public"),
    # a duty certified under the English-only 1.0.0 (or a ruleset no longer shipped) prints as it was signed
    ("zh-Hans", "1.0.0", "File the generative AI service offered to the public"),
    ("zh-Hans", "0.9.0", "File the generative AI service offered to the public"),
])
def test_the_certificate_prints_the_duty_titles_in_its_language(app, monkeypatch, record_language, ruleset, title):
    monkeypatch.setitem(app.config, "RECORD_LANGUAGE", record_language)
    with app.app_context():
        html = render_certificate_html(_with_duty(ruleset))
    assert f"<tr><td>{title}</td>" in html
