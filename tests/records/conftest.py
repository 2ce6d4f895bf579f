"""Fixtures for the signed PDF record: a bare Flask app context, throw-away keys, a hostile record."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from reviewboard.records.keys import init_keys, load_signer
from reviewboard.records.pdf import TEMPLATE_VERSION, content_hash, render_record_pdf
from reviewboard.records.signing import sign_pdf

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT_PROBE = "<script>alert(1)</script>"
FILE_PROBE = '<img src="file:///etc/hostname">'
LINK_PROBE_TEMPLATE = '<link rel=stylesheet href="http://127.0.0.1:{port}/x.css">'
IMG_HTTP_PROBE_TEMPLATE = '<img src="http://127.0.0.1:{port}/pixel.png">'


@pytest.fixture(scope="session")
def app() -> Flask:
    return Flask("t", template_folder=str(REPO_ROOT / "templates"))


@pytest.fixture()
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory) -> tuple[Path, Path]:
    return init_keys(tmp_path_factory.mktemp("keys"), "Test Org")


@pytest.fixture(scope="session")
def other_key_pair(tmp_path_factory) -> tuple[Path, Path]:
    return init_keys(tmp_path_factory.mktemp("other-keys"), "Some Other Org")


@pytest.fixture(scope="session")
def signer(key_pair):
    return load_signer(*key_pair)


def build_record(canary_port: int = 9) -> dict:
    """A decided Testing stage whose user-controlled fields carry XSS, file: and SSRF probes."""
    link_probe = LINK_PROBE_TEMPLATE.format(port=canary_port)
    img_probe = IMG_HTTP_PROBE_TEMPLATE.format(port=canary_port)
    record = {
        "organisation": "Test Org",
        "record_id": "REC-2026-0042",
        "version": 2,
        "template_version": TEMPLATE_VERSION,
        "issued_at": "2026-11-28T10:00:00Z",
        "signature_level": "B-B",
        "project": {
            "id": 42,
            "name": f"Triage assistant {SCRIPT_PROBE}",
            "purpose": f"Prioritise incoming support tickets. {FILE_PROBE}",
            "intended_users": "Support agents (Zoë, Łukasz) in the EU service desk",
            "scenario": f"Agents see a suggested priority and may override it. {link_probe}",
            "system_type": "Classifier (fine-tuned language model)",
            "data_categories": ["contact details", "free-text complaints", img_probe],
            "personal_data": True,
            "sensitive_data": False,
            "deployment_context": "Internal tool, human in the loop",
            "autonomy_level": "Advisory",
            "scale": "About 40,000 tickets per month",
            "submitter": "Dana Submitter",
        },
        "tier": {
            "tier": "high",
            "reasons": [
                {
                    "rule": "TIER-PD-01",
                    "question": "Does the system process personal data?",
                    "answer": "Yes",
                    "explanation": f"Personal data of customers is processed at scale. {SCRIPT_PROBE}",
                },
                {
                    "rule": "TIER-AUT-02",
                    "question": "Can the output affect access to a service?",
                    "answer": "Yes",
                    "explanation": "Priority decides how quickly a customer is served.",
                },
            ],
        },
        "answers": [
            {"question": "Does the system process personal data?", "answer": "Yes"},
            {"question": "Who can override the output?", "answer": f"Every agent. {link_probe}"},
        ],
        "stage": {
            "code": "TST",
            "name": "Testing",
            "position": 3,
            "outcome": "approved",
            "decided_at": "2026-11-28T09:58:30Z",
        },
        "catalog": {"key": "rb-core", "name": "ReviewBoard core criteria", "version": "2026.1"},
        "criteria": [
            {
                "id": "RB-TST-01",
                "title": "Bias testing across user groups",
                "question": "Was performance measured separately for each relevant user group?",
                "verdicts": [
                    {
                        "reviewer": "Ada Reviewer",
                        "verdict": "meets",
                        "rationale": f"Per-language error rates reported; gap under 2 points. {SCRIPT_PROBE}",
                    },
                    {
                        "reviewer": "Grace Ethicist",
                        "verdict": "partially_meets",
                        "rationale": f"Age groups not analysed. {FILE_PROBE}",
                    },
                ],
                "evidence": [
                    {
                        "filename": "bias-report-v3.pdf",
                        "sha256": "3f1c4e0b2a9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99",
                        "size": 482113,
                        "uploaded_by": "Dana Submitter",
                        "uploaded_at": "2026-11-20T14:03:00Z",
                    },
                    {
                        "filename": f"notes {SCRIPT_PROBE}.txt",
                        "sha256": "aa" * 32,
                        "size": 912,
                        "uploaded_by": "Dana Submitter",
                        "uploaded_at": "2026-11-21T08:00:00Z",
                    },
                ],
            },
            {
                "id": "RB-TST-02",
                "title": "Human override is tested",
                "question": "Was the override path exercised in testing?",
                "verdicts": [
                    {"reviewer": "Ada Reviewer", "verdict": "does_not_meet",
                     "rationale": f"Override logging missing in round 1. {link_probe}"},
                    {"reviewer": "Grace Ethicist", "verdict": "not_applicable",
                     "rationale": "Covered by RB-TST-01 evidence."},
                ],
                "evidence": [],
            },
        ],
        "conditions": [
            {"text": f"Add age-group analysis before go-live. {FILE_PROBE}", "owner": "Dana Submitter",
             "due_date": "2026-12-31"},
        ],
        "rounds": [
            {"number": 1, "submitted_at": "2026-11-10T09:00:00Z", "submitted_by": "Dana Submitter",
             "outcome": "changes_requested", "decided_at": "2026-11-12T16:00:00Z"},
            {"number": 2, "submitted_at": "2026-11-21T09:00:00Z", "submitted_by": "Dana Submitter",
             "outcome": "approved", "decided_at": "2026-11-28T09:58:30Z"},
        ],
        "signatures": [
            {"name": "Ada Reviewer", "role": "Ethics reviewer", "signed_at": "2026-11-28T09:41:07Z",
             "meaning": "Approved as ethics reviewer, stage Testing", "outcome": "approved",
             "content_sha256": "b" * 64},
            {"name": "Grace Ethicist", "role": "Chair, ethics board", "signed_at": "2026-11-28T09:58:30Z",
             "meaning": "Approved as board chair, stage Testing", "outcome": "approved",
             "content_sha256": "c" * 64},
        ],
        "audit_events": [
            {"seq": 101, "at": "2026-11-21T09:00:00Z", "actor": "Dana Submitter", "action": "stage.submitted",
             "object": "project 42 / TST round 2"},
            {"seq": 117, "at": "2026-11-28T09:41:07Z", "actor": "Ada Reviewer", "action": "stage.signed",
             "object": f"TST {SCRIPT_PROBE}"},
            {"seq": 118, "at": "2026-11-28T09:58:30Z", "actor": "Grace Ethicist", "action": "stage.decided",
             "object": "project 42 / TST approved"},
        ],
        "audit_head": {"seq": 118, "hash": "9e" * 32},
        "seal_certificate": {"subject": "CN=Test Org record seal,O=Test Org",
                             "sha256_fingerprint": ":".join(["5A"] * 32)},
    }
    record["content_sha256"] = content_hash(record)
    return record


@pytest.fixture()
def record() -> dict:
    return build_record()


@pytest.fixture(scope="session")
def record_factory():
    """``record_factory(canary_port=9)`` builds a fresh copy of the sample record."""
    return build_record


@pytest.fixture(scope="session")
def probes() -> dict:
    """Hostile strings used in user fields; "link" and "img" take ``.format(port=...)``."""
    return {
        "script": SCRIPT_PROBE,
        "file": FILE_PROBE,
        "link": LINK_PROBE_TEMPLATE,
        "img": IMG_HTTP_PROBE_TEMPLATE,
    }


@pytest.fixture(scope="session")
def signed_pdf(app, signer) -> bytes:
    """The sample record rendered and sealed once per session (tests must not mutate it)."""
    with app.app_context():
        return sign_pdf(render_record_pdf(build_record()), signer, reason="Record of a decided review stage")


class Canary:
    """A loopback HTTP server that counts every request it receives."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server naming)
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.end_headers()
                self.wfile.write(b"body { color: red }")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture()
def canary():
    server = Canary()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()

