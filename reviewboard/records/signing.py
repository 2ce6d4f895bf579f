"""PAdES sealing and verification of record PDFs (pyHanko).

A record is sealed once, with an invisible signature field named ``ReviewBoardRecord`` appended as
an incremental update, so the rendered PDF/A bytes stay a prefix of the signed file.

pyHanko is pinned to 0.38.0 because :func:`sign_pdf` switches off a private writer hook
(``_update_meta``): left on, it rewrites XMP ``pdf:Producer`` to "pyHanko ..." and appends to Info
``/Producer``, so the two disagree and the file stops being valid PDF/A
(records-security-reliability.md, finding 5a). tests/records checks Info/XMP agreement after signing.

The signature placeholder is sized locally (:func:`_placeholder_size`), once per signer: left to itself pyHanko
sizes it for every record with a throw-away CMS signature (a real RSA signature, about a third of the signing
time), and with a timestamper (PAdES B-T) also with a throw-away request to the TSA, so each record would cost two
timestamp requests. tests/integration/test_timestamp.py checks one request per record.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from .pdf import RECORD_ATTACHMENT_NAME

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "ReviewBoardRecord"
# Room kept for the RFC 3161 token (DER bytes) on top of the signature itself. The test TSA's token, with
# its CA certificate, is about 2.5 KB; a TSA sending a longer chain gets more room from the fallback in
# sign_pdf (pyHanko's own estimate, at the cost of one extra request).
TIMESTAMP_TOKEN_ALLOWANCE = 10 * 1024
# Where a PDF must say it is one: "%PDF-" in its first KiB, "%%EOF" in its last (ISO 32000-1, 7.5.2 and 7.5.5)
PDF_MARKER_WINDOW = 1024
def N_(text: str) -> str:  # noqa: N802 - Babel's name for a message marked for extraction, not translated here
    """A verification reason stays English here (record packs and logs read it); the verify page and the CLI
    show it translated (records/services.py ``verify_record_bytes``)."""
    return text


DAMAGED_SIGNATURE = N_("the signature itself is damaged: its data was altered, so it proves nothing about this file")


def sign_pdf(pdf: bytes, signer, *, reason: str, location: str | None = None, timestamper=None) -> bytes:
    """Seal ``pdf`` with a PAdES signature (B-B, or B-T when a ``timestamper`` is given).

    Returns the signed file; ``pdf`` is an exact prefix of it. Raises RuntimeError if the installed
    pyHanko lacks the hook this module depends on. With a timestamper, the TSA is asked once per call
    (twice only if its token outgrows :data:`TIMESTAMP_TOKEN_ALLOWANCE`).
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    reserved = _placeholder_size(signer, timestamped=timestamper is not None)
    try:
        signed = _sign(pdf, signer, metadata, timestamper, reserved)
    except SigningError as exc:
        if "larger than expected" not in str(exc):
            raise
        log.warning("signature%s larger than the %d bytes reserved; signing again with pyHanko's estimate",
                    " and timestamp token" if timestamper is not None else "", reserved // 2)
        signed = _sign(pdf, signer, metadata, timestamper, None)
    if not signed.startswith(pdf):
        raise RuntimeError("signing rewrote the original PDF bytes instead of appending to them")
    return signed


def _sign(pdf: bytes, signer, metadata, timestamper, bytes_reserved: int | None) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if not callable(getattr(writer, "_update_meta", None)):
        raise RuntimeError("pyHanko internals changed: IncrementalPdfFileWriter._update_meta is gone")
    # Keep Info and XMP exactly as WeasyPrint wrote them (PDF/A requires them to agree).
    writer._update_meta = lambda: None
    pdf_signer = signers.PdfSigner(
        metadata,
        signer,
        timestamper=timestamper,
        # No box: an invisible widget, so no appearance stream with a possibly unembedded font.
        new_field_spec=fields.SigFieldSpec(sig_field_name=SIGNATURE_FIELD),
    )
    output = BytesIO()
    pdf_signer.sign_pdf(writer, output=output, bytes_reserved=bytes_reserved)
    return output.getvalue()


def _placeholder_size(signer, *, timestamped: bool) -> int:
    """Placeholder size (hex digits) for ``signer``'s PAdES signature, without signing anything.

    B-B keeps pyHanko's own margin over the signature's size (half as much again); B-T adds
    :data:`TIMESTAMP_TOKEN_ALLOWANCE` for the token.
    """
    size = _signature_size(signer)
    return size + 2 * TIMESTAMP_TOKEN_ALLOWANCE if timestamped else size + 2 * (size // 4)


def _signature_size(signer) -> int:
    """Hex digits of ``signer``'s PAdES CMS signature (no token), from a dry run once per signer.

    The CMS of a PAdES signature holds no signing time, so its size depends on the signer's certificates alone. A
    rotated key is a new signer (keys.load_signer), measured anew.
    """
    size = _signature_sizes.get(signer)
    if size is None:
        probe = asyncio.run(signer.async_sign(bytes(32), "sha256", dry_run=True, use_pades=True))
        size = _signature_sizes[signer] = 2 * len(probe.dump())
    return size


# kept as long as their signer is (keys.load_signer keeps the current ones)
_signature_sizes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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
    # PAdES B-T: the RFC 3161 token's genTime, and whether the token is intact, valid and trusted
    # (None when the signature carries no token, i.e. B-B).
    timestamp: datetime | None = None
    timestamp_ok: bool | None = None


def signer_name(subject) -> str:
    """Who signed, as the certificate names them: its common name, then its organisation in brackets ("ReviewBoard
    record seal (Example Org)"); the same in every language, unlike pyHanko's "Common Name: ..., Organization:
    ..."."""
    names = subject.native
    common, organisation = names.get("common_name"), names.get("organization_name")
    if not common:
        return subject.human_friendly
    return f"{common} ({organisation})" if organisation and organisation != common else common


def verify_pdf(pdf: bytes, trust_roots: Sequence[Path],
               timestamp_trust_roots: Sequence[Path] | None = None) -> SignatureCheck:
    """Validate the record seal offline against ``trust_roots`` (PEM or DER certificate files).

    A B-T signature's timestamp token is checked against ``timestamp_trust_roots`` (the TSA's root
    certificates), or against ``trust_roots`` when that is None (pyHanko's default).

    Never raises on malformed input: problems come back as ``ok=False`` with a human reason.
    ``embedded_record`` is read from the signed revision, so an appended update cannot change it.
    """
    digest = hashlib.sha256(pdf).hexdigest() if isinstance(pdf, bytes | bytearray) else ""
    # checked before pyHanko sees the file: parsing a large non-PDF costs seconds, these checks nothing
    if not isinstance(pdf, bytes | bytearray) or b"%PDF-" not in pdf[:PDF_MARKER_WINDOW]:
        return _failed(digest, N_("not a PDF"))
    if b"%%EOF" not in pdf[-PDF_MARKER_WINDOW:]:
        return _failed(digest, N_("not a complete PDF: the file is truncated or damaged (it does not end as a PDF "
                                  "does)"))
    pdf = bytes(pdf)
    with _library_logs_summarised():
        return _verify_parsed(pdf, digest, trust_roots, timestamp_trust_roots)


def _failed(digest: str, reason: str, **found) -> SignatureCheck:
    values = dict(intact=False, valid=False, trusted=False, covers_whole_file=False, signer=None,
                  signing_time=None, embedded_record=None)
    values.update(found)
    return SignatureCheck(ok=False, reason=reason, pdf_sha256=digest, **values)


def _verify_parsed(pdf: bytes, digest: str, trust_roots: Sequence[Path],
                   timestamp_trust_roots: Sequence[Path] | None) -> SignatureCheck:
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
    except Exception as exc:  # a damaged file can fail anywhere in the parser
        log.info("record PDF could not be parsed: %s: %s", type(exc).__name__, exc)
        return _failed(digest, N_("not a PDF: the file could not be read (it is damaged or truncated)"))
    try:
        signatures = reader.embedded_regular_signatures
    except Exception as exc:  # the signature's own data (CMS) no longer parses
        log.info("record PDF signature could not be parsed: %s: %s", type(exc).__name__, exc)
        return _failed(digest, DAMAGED_SIGNATURE)
    if not signatures:
        return _failed(digest, N_("no signature found"))
    named = [sig for sig in signatures if sig.field_name == SIGNATURE_FIELD]
    signature = named[0] if named else signatures[0]

    try:
        roots = [cert for path in trust_roots for cert in load_certs_from_pemder([str(path)])]
        ts_roots = None if timestamp_trust_roots is None else [
            cert for path in timestamp_trust_roots for cert in load_certs_from_pemder([str(path)])]
    except Exception as exc:
        return _failed(digest, f"trust root could not be loaded: {exc}")

    try:
        status = validate_pdf_signature(
            signature, ValidationContext(trust_roots=roots, allow_fetching=False),
            ts_validation_context=None if ts_roots is None else ValidationContext(trust_roots=ts_roots,
                                                                                   allow_fetching=False),
            # No difference analysis: a record is valid only when its signature covers the whole file, and
            # a file that does not is refused below whatever was appended. Analysing what an appended
            # update changed (an annotation, a form entry) cost 15-20 s on a 7-page record for an answer
            # that is "refused" either way; for a whole-file signature there is nothing to analyse.
            skip_diff=True,
        )
    except Exception as exc:  # e.g. SignatureValidationError NO_SIGNING_CERTIFICATE_FOUND for a damaged value
        log.info("record PDF signature validation failed: %s: %s", type(exc).__name__, exc)
        return _failed(digest, DAMAGED_SIGNATURE)

    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    unmodified = status.modification_level == ModificationLevel.NONE
    signed_end = _signed_revision_end(signature)
    token = status.timestamp_validity
    found = dict(
        intact=bool(status.intact),
        # pyHanko's ``valid`` covers the signature value alone; a file whose digest does not match what
        # was signed is never reported valid.
        valid=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=whole_file,
        signer=signer_name(status.signing_cert.subject) if status.signing_cert else None,
        signing_time=status.signer_reported_dt,
        embedded_record=extract_embedded_record(pdf[:signed_end]) if status.intact and signed_end else None,
        timestamp=token.timestamp if token is not None else None,
        timestamp_ok=bool(token.intact and token.valid and token.trusted) if token is not None else None,
    )
    if not status.intact:
        return _failed(digest, N_("document was modified after signing (digest mismatch)"), **found)
    if not status.valid:
        return _failed(digest, N_("the signature value does not match the signer's certificate: the signature was "
                                  "damaged or forged"), **found)
    if not whole_file:
        return _failed(digest, N_("the file was changed after it was signed: something (an annotation, a form entry or "
                                  "an edit) was added after the signature, which no longer covers the whole file"),
                       **found)
    if not unmodified:
        return _failed(digest, N_("document was modified after signing (changes after the signed revision)"), **found)
    if not status.trusted:
        return _failed(digest, N_("the signer's certificate is not trusted: it is not the organisation's signing "
                                  "certificate, whatever name it shows"), **found)
    if token is not None and not (token.intact and token.valid):
        return _failed(digest, N_("the signature's timestamp token is damaged or its signature is invalid"), **found)
    if token is not None and not token.trusted:
        return _failed(digest, N_("the signature's timestamp token is not from a trusted timestamp authority"), **found)
    if not status.bottom_line:
        return _failed(digest, N_("signature does not meet the validation policy (timestamp or key usage)"), **found)
    return SignatureCheck(ok=True, reason=N_("signature is valid, trusted and covers the whole file"),
                          pdf_sha256=digest, **found)


_LIBRARY_LOGGERS = ("pyhanko", "pyhanko_certvalidator")
_summary_lock = threading.Lock()
_summary_depth = 0


class _OneLine(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log.debug("%s: %s", record.name, (record.getMessage().splitlines() or [""])[0][:300])


_one_line = _OneLine()


@contextmanager
def _library_logs_summarised() -> Iterator[None]:
    """While a file is verified, pyHanko's log records become one DEBUG line each on this module's logger.

    For each problem it finds in a file (an appended annotation, an untrusted certificate) pyHanko logs a
    warning with the whole traceback: 13-34 lines before ``record verify``'s one-line answer, and in the
    server log for each anonymous upload. :func:`verify_pdf` states each problem in one sentence instead.
    """
    global _summary_depth
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    with _summary_lock:
        _summary_depth += 1
        if _summary_depth == 1:
            for logger in loggers:
                logger.addHandler(_one_line)
                logger.propagate = False
    try:
        yield
    finally:
        with _summary_lock:
            _summary_depth -= 1
            if _summary_depth == 0:
                for logger in loggers:
                    logger.removeHandler(_one_line)
                    logger.propagate = True


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
