"""The printed record's layout: evidence entries stay whole across page breaks, the tier reasons stay readable."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from reviewboard.records.pdf import content_hash, render_record_pdf
from tests.records.test_pdf_signing import need

LONG_RULE = "T-HIGH-RIGHTS-AND-SAFETY-CRITICAL"
LONG_EXPLANATION = ("Annex III of the AI Act lists systems used to evaluate eligibility for essential public "
                    "assistance benefits and services as high risk; the answer places the project in that "
                    "category, so the review follows the high-risk pipeline with legal review. ") * 2


@pytest.fixture(scope="module")
def crowded_pdf(app, record_factory, tmp_path_factory) -> Path:
    """The sample record with 45 evidence files (several pages of them) and a long tier reason."""
    record = record_factory()
    record["criteria"][0]["evidence"] = [
        {"filename": f"evidence-file-{i:02d} – a long descriptive name for the assessment report.pdf",
         "sha256": f"{i:02x}" * 32, "size": 1000 * i + 17, "uploaded_by": "Dana Submitter",
         "uploaded_at": "2026-11-20T14:03:00Z"} for i in range(45)]
    record["tier"]["reasons"].append({"rule": LONG_RULE, "answer": "Yes", "explanation": LONG_EXPLANATION,
                                      "question": "Could the output affect a person's access to essential services?"})
    record["content_sha256"] = content_hash(record)
    with app.app_context():
        pdf = render_record_pdf(record)
    path = tmp_path_factory.mktemp("layout") / "crowded.pdf"
    path.write_bytes(pdf)
    return path


def _pages(path: Path) -> int:
    info = subprocess.run([need("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def _page_text(path: Path, page: int) -> str:
    return "".join(subprocess.run([need("pdftotext"), "-f", str(page), "-l", str(page), str(path), "-"],
                                  capture_output=True, text=True, check=True).stdout.split())


def test_no_evidence_entry_is_split_across_two_pages(crowded_pdf):
    pages = _pages(crowded_pdf)
    assert pages >= 4
    seen = []
    for page in range(1, pages + 1):
        text = _page_text(crowded_pdf, page)
        names = {int(n) for n in re.findall(r"evidence-file-(\d\d)", text)}
        digests = {int(d[:2], 16) for d in re.findall(r"SHA-256([0-9a-f]{64})", text) if d == d[:2] * 32}
        assert names == digests, f"page {page}: names {sorted(names - digests)} without their digest, " \
                                 f"digests {sorted(digests - names)} without their name"
        seen.extend(names)
    assert sorted(seen) == list(range(45))


def test_the_tier_reasons_keep_a_readable_question_column(crowded_pdf):
    """The question column stays at least 45 mm wide next to a long rule name and a long explanation."""
    out = subprocess.run([need("pdftotext"), "-bbox", "-f", "1", "-l", "2", str(crowded_pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', out)
    headers = [(float(x), float(y), w) for x, y, w in words]
    for i, (x, y, word) in enumerate(headers):
        if word == "RULE" and headers[i + 1][2] == "QUESTION":
            question_x, answer_x = headers[i + 1][0], headers[i + 2][0]
            break
    else:
        pytest.fail("tier reasons table header not found")
    width_mm = (answer_x - question_x) * 25.4 / 72
    assert width_mm >= 45, f"question column is {width_mm:.0f} mm wide"
