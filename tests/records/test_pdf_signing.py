"""The signed PDF record: seal validity, tamper evidence, PDF/A proxies, content, SSRF resistance, keys.

Requirements P1-P6 in /work/shared/reference/records-security-reliability.md section 7.P.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML, URLFetcher

from reviewboard.records.keys import KeyPermissionError, check_key_permissions, init_keys, load_signer
from reviewboard.records.pdf import (
    ASSETS_DIR,
    TEMPLATE_VERSION,
    AssetOnlyURLFetcher,
    canonical_json,
    content_hash,
    render_record_html,
    render_record_pdf,
)
from reviewboard.records.signing import SIGNATURE_FIELD, extract_embedded_record, sign_pdf, verify_pdf

pytestmark = pytest.mark.real_records  # the record's PDF itself: rendering, PDF/A, signing, validation

XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian package poppler-utils / qpdf)")
    return path


def run_tool(tmp_path: Path, tool: str, pdf: bytes, *args: str) -> subprocess.CompletedProcess:
    target = tmp_path / f"{tool}-input.pdf"
    target.write_bytes(pdf)
    return subprocess.run([need(tool), *args, str(target)], capture_output=True, text=True, timeout=60)


def pdf_text(tmp_path: Path, pdf: bytes) -> str:
    target = tmp_path / "text-input.pdf"
    target.write_bytes(pdf)
    result = subprocess.run([need("pdftotext"), "-enc", "UTF-8", str(target), "-"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def squash(text: str) -> str:
    """Drop all whitespace, so text that wrapped across lines or table cells still matches."""
    return "".join(text.split())


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match, "signed PDF has no /ByteRange"
    return tuple(int(group) for group in match.groups())


def embedded_file_names(pdf: bytes) -> list[str]:
    root = PdfFileReader(BytesIO(pdf), strict=False).root
    if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
        return []
    return [str(name) for name in list(root["/Names"]["/EmbeddedFiles"]["/Names"])[0::2]]


# 1. A sealed record verifies -------------------------------------------------------------------

def test_signed_record_verifies_with_verify_pdf(signed_pdf, key_pair):
    check = verify_pdf(signed_pdf, [key_pair[1]])

    assert check.ok, check.reason
    assert (check.intact, check.valid, check.trusted, check.covers_whole_file) == (True, True, True, True)
    # the seal's names as its certificate gives them, in no language's words ("Common Name: ..." is pyHanko's)
    assert check.signer.endswith("(Test Org)") and ":" not in check.signer, check.signer
    assert check.signing_time is not None and check.signing_time.tzinfo is not None
    assert check.pdf_sha256 == hashlib.sha256(signed_pdf).hexdigest()


def test_signed_record_verifies_with_pyhanko_directly(signed_pdf, key_pair):
    reader = PdfFileReader(BytesIO(signed_pdf))
    [signature] = reader.embedded_regular_signatures
    root = load_cert_from_pemder(str(key_pair[1]))

    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))

    assert signature.field_name == SIGNATURE_FIELD
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.modification_level == ModificationLevel.NONE


def test_signed_record_verifies_with_poppler_pdfsig(signed_pdf, tmp_path):
    result = run_tool(tmp_path, "pdfsig", signed_pdf)

    # pdfsig has no access to our trust root, so only the cryptographic validation line is checked.
    assert result.returncode == 0, result.stderr
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "Total document signed" in result.stdout


def test_signing_appends_to_the_rendered_bytes(app_context, record, signer):
    rendered = render_record_pdf(record)

    signed = sign_pdf(rendered, signer, reason="Record of a decided review stage")

    assert signed.startswith(rendered) and len(signed) > len(rendered)


# 2. Tampering is detected ----------------------------------------------------------------------

def test_byte_flip_inside_signed_ranges_fails_verification(signed_pdf, key_pair):
    start1, length1, start2, length2 = byte_range(signed_pdf)
    contents_open = signed_pdf.index(b"<", start1 + length1 - 1)  # the /Contents hex string is excluded
    positions = [start1 + length1 * share // 8 for share in range(1, 8)] + [start2 + length2 // 3]
    assert all(not (start1 + length1 <= p < start2) for p in positions) and contents_open < start2

    for position in positions:
        tampered = bytearray(signed_pdf)
        tampered[position] ^= 0x01
        check = verify_pdf(bytes(tampered), [key_pair[1]])

        assert not check.ok, f"flip at {position} went unnoticed"
        assert not check.intact
        assert check.reason


def test_byte_flip_in_page_content_reports_digest_mismatch(signed_pdf, key_pair):
    start1, length1, _, _ = byte_range(signed_pdf)
    stream_at = signed_pdf.index(b"stream\n", start1 + length1 // 2) + len(b"stream\n") + 10
    tampered = bytearray(signed_pdf)
    tampered[stream_at] ^= 0xFF

    check = verify_pdf(bytes(tampered), [key_pair[1]])

    assert not check.ok
    assert check.reason == "document was modified after signing (digest mismatch)"
    assert not check.valid  # pyHanko alone calls the signature value valid; the file it covers is not


def test_appended_incremental_update_fails_verification(signed_pdf, key_pair, record_factory):
    writer = IncrementalPdfFileWriter(BytesIO(signed_pdf))
    writer.root["/Lang"] = generic.TextStringObject("de")
    writer.update_root()
    appended = BytesIO()
    writer.write(appended)
    updated = appended.getvalue()
    assert updated.startswith(signed_pdf)

    check = verify_pdf(updated, [key_pair[1]])

    assert not check.ok
    assert check.intact  # the signed revision itself is untouched...
    assert not check.covers_whole_file  # ...but it is no longer the whole file
    assert "changed after it was signed" in check.reason and "whole file" in check.reason
    # The record copy comes from the signed revision, not from whatever was appended.
    assert check.embedded_record == record_factory()


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "not a PDF"), (b"hello, world", "not a PDF"), ("%PDF-1.7 text", "not a PDF")],
)
def test_malformed_input_returns_a_reason_instead_of_raising(data, reason, key_pair):
    check = verify_pdf(data, [key_pair[1]])

    assert not check.ok and check.reason == reason


def test_truncated_and_unsigned_pdfs_are_rejected(signed_pdf, app_context, record, key_pair):
    truncated = verify_pdf(signed_pdf[: len(signed_pdf) // 2], [key_pair[1]])
    unsigned = verify_pdf(render_record_pdf(record), [key_pair[1]])

    assert not truncated.ok and truncated.reason
    assert not unsigned.ok and unsigned.reason == "no signature found"


# 3. Trust --------------------------------------------------------------------------------------

def test_wrong_trust_root_is_not_trusted(signed_pdf, other_key_pair):
    check = verify_pdf(signed_pdf, [other_key_pair[1]])

    assert check.intact and check.valid and check.covers_whole_file
    assert not check.trusted
    assert not check.ok
    assert check.reason.startswith("the signer's certificate is not trusted")


# 4. PDF/A-3b proxies survive signing -----------------------------------------------------------

def xmp_values(pdf: bytes) -> dict[str, str]:
    """Simple XMP properties, whether written as attributes or as elements (rdf:Alt/Seq: first item)."""
    reader = PdfFileReader(BytesIO(pdf))
    tree = ET.fromstring(reader.root["/Metadata"].data)
    values: dict[str, str] = {}
    for description in tree.iter(f"{{{XMP_NS['rdf']}}}Description"):
        for key, value in description.attrib.items():
            values[key] = value
        for child in description:
            items = list(child.iter(f"{{{XMP_NS['rdf']}}}li"))
            values[child.tag] = (items[0].text if items else child.text) or ""
    return values


def q(prefix: str, name: str) -> str:
    return f"{{{XMP_NS[prefix]}}}{name}"


def test_info_and_xmp_still_agree_after_signing(signed_pdf):
    """Catches pyHanko's metadata rewrite returning (sign_pdf disables writer._update_meta)."""
    info = PdfFileReader(BytesIO(signed_pdf)).trailer["/Info"]
    xmp = xmp_values(signed_pdf)

    assert xmp[q("pdfaid", "part")] == "3"
    assert xmp[q("pdfaid", "conformance")] == "B"
    assert str(info["/Producer"]) == xmp[q("pdf", "Producer")]
    assert "pyHanko" not in str(info["/Producer"])
    assert str(info["/Title"]) == xmp[q("dc", "title")] == "ReviewBoard record REC-2026-0042 v2"
    assert str(info["/CreationDate"]) == "D:20261128100000Z"
    assert xmp[q("xmp", "CreateDate")] == xmp[q("xmp", "ModifyDate")] == "2026-11-28T10:00:00Z"
    assert str(info["/ModDate"]) == "D:20261128100000Z"


def test_signed_record_keeps_pdfa_structure(signed_pdf):
    root = PdfFileReader(BytesIO(signed_pdf)).root

    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    [associated] = list(root["/AF"])
    associated = associated.get_object()
    assert str(associated["/UF"]) == "record.json"
    assert associated["/AFRelationship"] == "/Data"
    assert associated["/EF"]["/F"]["/Subtype"] == "/application/json"
    widget = root["/AcroForm"]["/Fields"][0]
    assert list(widget["/Rect"]) == [0, 0, 0, 0]  # invisible: no appearance font to embed
    assert int(widget["/F"]) & 4  # Print flag, as PDF/A requires for annotations


def test_all_fonts_are_embedded(signed_pdf, tmp_path):
    result = run_tool(tmp_path, "pdffonts", signed_pdf)
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()[2:]

    assert rows, "no fonts listed"
    for row in rows:
        columns = row.split()
        # name type [type...] encoding emb sub uni object-id generation
        assert columns[-5] == "yes", f"font not embedded: {row}"


def test_pdfinfo_version_encryption_and_javascript(signed_pdf, tmp_path):
    result = run_tool(tmp_path, "pdfinfo", signed_pdf)
    assert result.returncode == 0, result.stderr
    info = dict(line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    info = {key.strip(): value.strip() for key, value in info.items()}

    assert float(info["PDF version"]) <= 1.7
    assert info["Encrypted"] == "no"
    assert info["JavaScript"] == "no"
    assert info["Page size"].endswith("(A4)")


def test_qpdf_check_is_clean_and_no_javascript_objects(signed_pdf, tmp_path):
    check = run_tool(tmp_path, "qpdf", signed_pdf, "--check")
    assert check.returncode == 0, check.stdout + check.stderr

    source, expanded = tmp_path / "in.pdf", tmp_path / "expanded.pdf"
    source.write_bytes(signed_pdf)
    subprocess.run([need("qpdf"), "--qdf", "--object-streams=disable", str(source), str(expanded)],
                   check=True, timeout=60)
    assert not re.search(rb"/JavaScript|/JS\b|/OpenAction|/Launch", expanded.read_bytes())


# 5. What the record says -----------------------------------------------------------------------

def test_pdf_text_shows_record_identity_signatures_and_integrity(signed_pdf, tmp_path, app_context, record_factory):
    record = record_factory()
    text = pdf_text(tmp_path, signed_pdf)
    flat = squash(text)

    for needle in (
        "REC-2026-0042 v2", TEMPLATE_VERSION, "applied by Test Org", record["content_sha256"],
        record["audit_head"]["hash"], "Page 1 of 4", "Page 4 of 4", "Testing", "Approved",
        "Partially meets", "Does not meet", "Not applicable", "ReviewBoard core criteria",
        "3f1c4e0b2a9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99",
        "Add age-group analysis before go-live.",
        "PAdES B-B (no timestamp authority configured)",
        f"Content SHA-256 (record data) {record['content_sha256']}",
    ):
        assert squash(needle) in flat, needle
    for signature in record["signatures"]:
        for needle in (signature["name"], signature["role"], signature["meaning"]):
            assert squash(needle) in flat, needle
    # the PDF prints the content digest by its full name, never a bare "SHA-256" that readers would
    # compare with the file digest ReviewBoard lists
    assert squash("File SHA-256 (this PDF)") in flat
    html = render_record_html(record)
    labels = re.findall(r"<(?:th[^>]*|span class=\"label\")>([^<]*SHA-256[^<]*)<", html)
    assert set(labels) == {"Content SHA-256 (record data)", "Evidence file SHA-256",
                           "Sign-off SHA-256 (what was signed)", "Certificate SHA-256 fingerprint"}, labels
    assert squash(f"Certificate SHA-256 fingerprint {record['seal_certificate']['sha256_fingerprint']}") in flat
    assert squash("2026-11-28 09:41:07 UTC") in flat
    assert squash("2026-11-28 09:58:30 UTC") in flat


def test_hostile_user_text_is_printed_literally(signed_pdf, tmp_path, app_context, record_factory, probes):
    flat = squash(pdf_text(tmp_path, signed_pdf))
    html = render_record_html(record_factory())

    assert squash(probes["script"]) in flat
    assert squash(probes["file"]) in flat
    assert squash(probes["link"].format(port=9)) in flat
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<img src="file:' not in html and "<link rel=stylesheet href=\"http" not in html


def test_signature_level_line_follows_the_record(app_context, tmp_path, record_factory):
    record = record_factory()
    record["signature_level"] = "B-T"

    flat = squash(pdf_text(tmp_path, render_record_pdf(record)))

    assert squash("PAdES B-T") in flat and squash("no timestamp authority") not in flat


# 6. The renderer fetches nothing that user text points at --------------------------------------

def test_user_text_triggers_no_network_or_file_reads(app_context, canary, tmp_path, record_factory, probes):
    pdf = render_record_pdf(record_factory(canary.port))
    text = pdf_text(tmp_path, pdf)

    assert canary.hits == []
    assert embedded_file_names(pdf) == ["record.json"]
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    if hostname:
        assert hostname not in text.splitlines()
    assert squash(probes["img"].format(port=canary.port)) in squash(text)


def hostile_html(port: int) -> str:
    return (
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
        f'<link rel="attachment" href="file:///etc/hostname">'
        f'<link rel="attachment" href="{(ASSETS_DIR / ".." / "pdf.py").as_uri()}">'
        f'<p>probe <img src="http://127.0.0.1:{port}/pixel.png"></p>'
    )


def test_restricted_fetcher_blocks_real_tags(canary):
    """Defence in depth: even markup that escaped autoescaping cannot reach the network or files."""
    fetcher = AssetOnlyURLFetcher(ASSETS_DIR)
    pdf = HTML(string=hostile_html(canary.port), base_url=ASSETS_DIR.as_uri() + "/",
               url_fetcher=fetcher).write_pdf()

    assert canary.hits == []
    assert embedded_file_names(pdf) == []


def test_canary_detects_the_default_fetcher(canary):
    """Control: WeasyPrint's default fetcher does reach the canary and embeds local files."""
    pdf = HTML(string=hostile_html(canary.port), base_url=ASSETS_DIR.as_uri() + "/",
               url_fetcher=URLFetcher(timeout=5)).write_pdf()

    assert len(canary.hits) >= 1
    assert "pdf.py" in embedded_file_names(pdf)


def test_fetcher_serves_assets_and_data_uris_only():
    fetcher = AssetOnlyURLFetcher(ASSETS_DIR)

    css = fetcher.fetch((ASSETS_DIR / "record.css").as_uri())
    assert css.content_type == "text/css" and b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "file:///etc/hostname",
        (ASSETS_DIR / ".." / "pdf.py").as_uri(),
        ASSETS_DIR.as_uri() + "/%2e%2e/pdf.py",
        "file://example.org" + (ASSETS_DIR / "record.css").as_posix(),
        "http://127.0.0.1:9/x.css",
        "https://example.org/x.css",
        "ftp://example.org/x",
    ):
        with pytest.raises(PermissionError):
            fetcher.fetch(url)


# 7. The embedded machine-readable record --------------------------------------------------------

def test_embedded_record_round_trips(signed_pdf, key_pair, record_factory):
    record = record_factory()

    embedded = extract_embedded_record(signed_pdf)

    assert embedded == record
    assert content_hash(embedded) == record["content_sha256"]
    assert canonical_json(embedded) == canonical_json(record)
    assert verify_pdf(signed_pdf, [key_pair[1]]).embedded_record == record


def test_canonical_json_is_stable_and_hash_ignores_its_own_field(record_factory):
    record = record_factory()
    shuffled = json.loads(json.dumps(record))
    shuffled = dict(reversed(list(shuffled.items())))
    shuffled["content_sha256"] = "0" * 64

    assert canonical_json(shuffled) != canonical_json(record)
    assert content_hash(shuffled) == content_hash(record) == record["content_sha256"]
    assert "Zoë" in canonical_json(record).decode()  # ensure_ascii=False


# 8. Deterministic rendering --------------------------------------------------------------------

def test_two_renders_give_identical_text_and_bytes(app_context, tmp_path, record_factory):
    first = render_record_pdf(record_factory())
    second = render_record_pdf(record_factory())

    assert pdf_text(tmp_path, first) == pdf_text(tmp_path, second)
    assert first == second


# 9. Keys ---------------------------------------------------------------------------------------

def test_init_keys_writes_owner_only_files(tmp_path):
    key_path, cert_path = init_keys(tmp_path / "keys", "Test Org")

    for path in (key_path, cert_path):
        assert path.stat().st_mode & 0o777 == 0o600
    assert b"BEGIN PRIVATE KEY" in key_path.read_bytes()  # PKCS#8, unencrypted
    signer = load_signer(key_path, cert_path)
    assert signer.signing_cert.public_key.algorithm == "rsa"
    assert signer.signing_cert.public_key.bit_size == 3072
    assert signer.signing_cert.key_usage_value.native == {
        "digital_signature", "non_repudiation", "key_cert_sign"}


def test_check_key_permissions_rejects_group_or_world_access(tmp_path):
    key_path, cert_path = init_keys(tmp_path, "Test Org")
    check_key_permissions(key_path)

    os.chmod(key_path, 0o644)
    with pytest.raises(KeyPermissionError):
        check_key_permissions(key_path)
    with pytest.raises(KeyPermissionError):
        load_signer(key_path, cert_path)
    os.chmod(key_path, 0o640)
    with pytest.raises(KeyPermissionError):
        check_key_permissions(key_path)


def test_init_keys_refuses_to_overwrite_without_force(tmp_path):
    key_path, cert_path = init_keys(tmp_path, "Test Org")
    original = key_path.read_bytes()

    with pytest.raises(FileExistsError):
        init_keys(tmp_path, "Test Org")
    assert key_path.read_bytes() == original

    init_keys(tmp_path, "Test Org", force=True)
    assert key_path.read_bytes() != original
    assert key_path.stat().st_mode & 0o777 == 0o600


def test_load_signer_accepts_a_private_pkcs12_bundle(tmp_path, key_pair, app_context, record):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509 import load_pem_x509_certificate

    key = serialization.load_pem_private_key(key_pair[0].read_bytes(), password=None)
    cert = load_pem_x509_certificate(key_pair[1].read_bytes())
    bundle = tmp_path / "seal.p12"
    bundle.write_bytes(pkcs12.serialize_key_and_certificates(
        b"seal", key, cert, None, serialization.BestAvailableEncryption(b"s3cret")))
    bundle.chmod(0o600)

    signer = load_signer(None, None, pkcs12_path=bundle, pkcs12_password=b"s3cret")
    signed = sign_pdf(render_record_pdf(record), signer, reason="PKCS#12 seal")

    assert verify_pdf(signed, [key_pair[1]]).ok
    bundle.chmod(0o644)
    with pytest.raises(KeyPermissionError):
        load_signer(None, None, pkcs12_path=bundle, pkcs12_password=b"s3cret")


def test_load_signer_refuses_non_rsa_keys(tmp_path):
    """ECDSA makes pyHanko declare PDF 2.0, which a PDF/A-3 file must not be."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC seal")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    key_path, cert_path = tmp_path / "ec-key.pem", tmp_path / "ec-cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    with pytest.raises(ValueError, match="RSA"):
        load_signer(key_path, cert_path)


def test_sign_pdf_refuses_to_run_if_the_pyhanko_metadata_hook_disappears(monkeypatch, signed_pdf, signer):
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    monkeypatch.delattr(BasePdfFileWriter, "_update_meta")

    with pytest.raises(RuntimeError, match="_update_meta"):
        sign_pdf(signed_pdf, signer, reason="should not happen")
