"""PAdES sealing and verification of record PDFs (pyHanko).

A record is sealed once, with an invisible signature field named ``ReviewBoardRecord`` appended as
an incremental update, so the rendered PDF/A bytes stay a prefix of the signed file.

pyHanko is pinned to 0.38.0 because :func:`sign_pdf` switches off a private writer hook
(``_update_meta``): left on, it rewrites XMP ``pdf:Producer`` to "pyHanko ..." and appends to Info
``/Producer``, so the two disagree and the file stops being valid PDF/A
(records-security-reliability.md, finding 5a). tests/records checks Info/XMP agreement after signing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from .pdf import RECORD_ATTACHMENT_NAME

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "ReviewBoardRecord"


def sign_pdf(pdf: bytes, signer, *, reason: str, location: str | None = None, timestamper=None) -> bytes:
    """Seal ``pdf`` with a PAdES signature (B-B, or B-T when a ``timestamper`` is given).

    Returns the signed file; ``pdf`` is an exact prefix of it. Raises RuntimeError if the installed
    pyHanko lacks the hook this module depends on.
    """
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if not callable(getattr(writer, "_update_meta", None)):
        raise RuntimeError("pyHanko internals changed: IncrementalPdfFileWriter._update_meta is gone")
    # Keep Info and XMP exactly as WeasyPrint wrote them (PDF/A requires them to agree).
    writer._update_meta = lambda: None
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer,
        timestamper=timestamper,
        # No box: an invisible widget, so no appearance stream with a possibly unembedded font.
        new_field_spec=fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD),
    )
    output = BytesIO()
    pdf_signer.sign_pdf(writer, output=output)
    signed = output.getvalue()
    if not signed.startswith(pdf):
        raise RuntimeError("signing rewrote the original PDF bytes instead of appending to them")
    return signed


@dataclass
class SignatureCheck:
    """Outcome of :func:`verify_pdf`. ``ok`` is the only field to base a decision on."""

    ok: bool
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    reason: str
    signer: str | None
    signing_time: datetime | None
    embedded_record: dict | None
    pdf_sha256: str


def verify_pdf(pdf: bytes, trust_roots: Sequence[Path]) -> SignatureCheck:
    """Validate the record seal offline against ``trust_roots`` (PEM or DER certificate files).

    Never raises on malformed input: problems come back as ``ok=False`` with a human reason.
    ``embedded_record`` is read from the signed revision, so an appended update cannot change it.
    """
    digest = hashlib.sha256(pdf).hexdigest() if isinstance(pdf, bytes | bytearray) else ""

    def failed(reason: str, **found) -> SignatureCheck:
        values = dict(intact=False, valid=False, trusted=False, covers_whole_file=False, signer=None,
                      signing_time=None, embedded_record=None)
        values.update(found)
        return SignatureCheck(ok=False, reason=reason, pdf_sha256=digest, **values)

    if not isinstance(pdf, bytes | bytearray) or b"%PDF-" not in pdf[:1024]:
        return failed("not a PDF")
    pdf = bytes(pdf)
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:  # a damaged file can fail anywhere in the parser
        log.info("record PDF could not be parsed: %s", exc)
        return failed(f"not a PDF: the file could not be parsed (damaged or truncated; {type(exc).__name__})")
    if not signatures:
        return failed("no signature found")
    named = [sig for sig in signatures if sig.field_name == SIGNATURE_FIELD]
    signature = named[0] if named else signatures[0]

    try:
        roots = [cert for path in trust_roots for cert in load_certs_from_pemder([str(path)])]
    except Exception as exc:
        return failed(f"trust root could not be loaded: {exc}")

    try:
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=roots, allow_fetching=False)
        )
    except Exception as exc:
        log.info("record PDF signature validation failed: %s", exc)
        return failed(f"signature could not be validated ({type(exc).__name__}: {exc})")

    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    unmodified = status.modification_level == ModificationLevel.NONE
    signed_end = _signed_revision_end(signature)
    found = dict(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=whole_file,
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        signing_time=status.signer_reported_dt,
        embedded_record=extract_embedded_record(pdf[:signed_end]) if status.intact and signed_end else None,
    )
    if not status.intact:
        return failed("document was modified after signing (digest mismatch)", **found)
    if not status.valid:
        return failed("signature value is invalid for the signer certificate", **found)
    if not whole_file:
        return failed("signature does not cover the whole file: an incremental update was appended", **found)
    if not unmodified:
        return failed("document was modified after signing (changes after the signed revision)", **found)
    if not status.trusted:
        return failed("signer certificate is not trusted", **found)
    if not status.bottom_line:
        return failed("signature does not meet the validation policy (timestamp or key usage)", **found)
    return SignatureCheck(ok=True, reason="signature is valid, trusted and covers the whole file",
                          pdf_sha256=digest, **found)


def _signed_revision_end(signature) -> int | None:
    try:
        byte_range = [int(x) for x in signature.sig_object["/ByteRange"]]
        return byte_range[2] + byte_range[3]
    except Exception:
        return None


def extract_embedded_record(pdf: bytes) -> dict | None:
    """The ``record.json`` associated file as a dict, or None if absent or unreadable."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        root = reader.root
        filespecs = list(root["/AF"]) if "/AF" in root else []
        if "/Names" in root and "/EmbeddedFiles" in root["/Names"]:
            filespecs.extend(list(root["/Names"]["/EmbeddedFiles"]["/Names"])[1::2])
        for spec in filespecs:
            spec = spec.get_object()
            filename = spec["/UF"] if "/UF" in spec else spec.get("/F")
            if str(filename) == RECORD_ATTACHMENT_NAME:
                data = spec["/EF"]["/F"].get_object().data
                record = json.loads(data.decode("utf-8"))
                return record if isinstance(record, dict) else None
    except Exception as exc:
        log.info("embedded record could not be read: %s", exc)
    return None
