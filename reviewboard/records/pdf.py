"""Rendering of a decided review stage into a tagged PDF/A-3b record that also claims PDF/UA-1 (WeasyPrint).

Owns the canonical JSON form of a record, its content hash, the print template and the PDF
rendering. Signing lives in :mod:`reviewboard.records.signing`.

The rendering is deterministic: every date printed or written to the metadata comes from the record
dict, never from the clock, so two renders of one record version give the same text (and bytes).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import mimetypes
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import render_template
from weasyprint import CSS, HTML, Attachment, URLFetcher
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcherResponse

from reviewboard.core.collector import collector_paused
from reviewboard.records.labels import zh_hans

# v2: delegation, shared comments, COI declarations, condition status; v3: the stage's whole audit trail,
# the submitter's notes, the two digests named apart; v4: the system's versions and artifacts, registration
# duties and filings; v5: the incidents reported on the system; v6: the project's team and each member's role;
# v7: the record's language (RECORD_LANGUAGE: en, zh-Hans or both), the criteria, stage and catalog texts in
# every language of the catalog (and each signature's role and meaning, rebuilt from their parts), and Simplified
# Chinese printed in Noto Sans CJK SC
TEMPLATE_VERSION = "record-v7"
TEMPLATE_NAME = "records/pdf/record.html"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"
STYLESHEET_NAME = "record.css"
PDF_VARIANT = "pdf/a-3b"
# PDF/UA-1 alongside PDF/A-3b: WeasyPrint tags the PDF (structure tree from the HTML: H1-H3, Table/TH/TD,
# /Lang from <html lang>, /MarkInfo, DisplayDocTitle) when asked with pdf_tags=True; the "pdf/ua-1" variant
# would replace the PDF/A metadata, so the finisher adds the pdfuaid claim to the PDF/A XMP instead, with
# the extension schema PDF/A requires for a property outside its predefined schemas.
PDF_UA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
"""
RECORD_ATTACHMENT_NAME = "record.json"
# A record has two SHA-256 digests; every page, the CLI and the PDF name them with these words.
CONTENT_HASH_LABEL = "Content SHA-256 (record data)"  # canonical JSON, printed inside the PDF
FILE_HASH_LABEL = "File SHA-256 (this PDF)"  # the signed file's bytes, listed by ReviewBoard

VERDICT_LABELS = {
    "meets": "Meets",
    "partially_meets": "Partially meets",
    "does_not_meet": "Does not meet",
    "not_applicable": "Not applicable",
}
SIGNATURE_LEVELS = {
    "B-B": "PAdES B-B (no timestamp authority configured)",
    "B-T": "PAdES B-T (signing time attested by an RFC 3161 timestamp authority)",
}


def canonical_json(data: Any) -> bytes:
    """The one byte form of a record that is hashed, embedded and stored."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(record: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of ``record`` without its own ``content_sha256`` key."""
    body = {key: value for key, value in record.items() if key != "content_sha256"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def render_record_html(record: dict) -> str:
    """Render the print template. Needs a Flask app context; autoescaping protects user text."""
    return render_template(
        TEMPLATE_NAME,
        record=record,
        utc=format_utc,
        iso_utc=iso_utc,
        verdict_label=verdict_label,
        human_size=human_size,
        content_hash_label=CONTENT_HASH_LABEL,
        file_hash_label=FILE_HASH_LABEL,
        zh=zh_hans,
        signature_level=SIGNATURE_LEVELS.get(record.get("signature_level", "B-B"), SIGNATURE_LEVELS["B-B"]),
    )


def render_record_pdf(record: dict, *, base_dir: Path | None = None) -> bytes:
    """Render ``record`` as PDF/A-3b with ``record.json`` embedded as an associated file.

    ``base_dir`` is the only directory the renderer may read stylesheets and images from (default:
    the bundled ``assets``). Needs a Flask app context. Python's garbage collector is paused for the render
    (:mod:`reviewboard.core.collector`) and collects once after it.
    """
    with collector_paused():  # one pause over both halves: one collection at the end
        return write_record_pdf(lay_out_record(record, base_dir=base_dir), record)


def lay_out_record(record: dict, *, base_dir: Path | None = None) -> Document:
    """The record's print template parsed, styled and laid out in pages (the first half of a render)."""
    assets = Path(base_dir or ASSETS_DIR).resolve()
    with collector_paused():
        return HTML(
            string=render_record_html(record), base_url=assets.as_uri() + "/", url_fetcher=AssetOnlyURLFetcher(assets)
        ).render(font_config=_font_config(), stylesheets=[_stylesheet(assets)])


def write_record_pdf(document: Document, record: dict) -> bytes:
    """The laid-out record written as PDF/A-3b, tagged, with ``record.json`` embedded (the second half)."""
    issued = _parse_time(record["issued_at"])
    # WeasyPrint 70 API for the machine-readable copy: ``write_pdf(attachments=[Attachment(...)])``.
    # For PDF/A-3 variants weasyprint.pdf.pdfa adds every embedded Filespec to the catalog /AF array
    # and sets its /AFRelationship from ``Attachment.relationship``, so this yields a proper PDF/A-3
    # associated file. ``<link rel=attachment>`` in the HTML would also be embedded, but only with
    # relationship /Unspecified, a fetched URL as source and "now" as its dates.
    attachment = Attachment(
        string=canonical_json(record),
        name=RECORD_ATTACHMENT_NAME,
        description="Machine-readable review record (canonical JSON, UTF-8)",
        created=issued,  # WeasyPrint writes these with a literal "Z": they must be naive UTC
        modified=issued,
        relationship="Data",
        url_fetcher=AssetOnlyURLFetcher(ASSETS_DIR),  # the JSON is a string: nothing to fetch, nothing allowed
    )
    with collector_paused():
        return document.write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            attachments=[attachment],
            finisher=_finish,
        )


def _font_config() -> FontConfiguration:
    """One font configuration per thread: a new one per render rebuilt Pango's font map and lost its shaping
    caches. Per thread rather than per process because a Pango font map is not documented as safe to share between
    threads, and records render in the embedded worker's thread, a request's thread (JOBS_MODE inline) or the RQ
    worker's. The record stylesheet has no @font-face, so nothing of one record is kept in it."""
    config = getattr(_per_thread, "font_config", None)
    if config is None:
        config = _per_thread.font_config = FontConfiguration()
    return config


_per_thread = threading.local()


def _stylesheet(assets: Path) -> CSS:
    """The parsed record stylesheet of ``assets``, parsed again only when the file changes."""
    path = assets / STYLESHEET_NAME
    stat = path.stat()
    return _parsed_stylesheet(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _parsed_stylesheet(path: Path, _mtime_ns: int, _size: int) -> CSS:
    return CSS(filename=str(path), url_fetcher=AssetOnlyURLFetcher(path.parent), font_config=_font_config())


class AssetOnlyURLFetcher(URLFetcher):
    """Serves only files under one directory and ``data:`` URIs; refuses everything else.

    WeasyPrint's default fetcher follows file:, http:, https: and ftp: URLs. Record fields are user
    text, so an unrestricted fetcher would be a server-side request forgery and local-file-read
    surface (OWASP ASVS 5.0, 1.3.6). A refused URL raises, and WeasyPrint logs and skips it.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)
        self._root = Path(root).resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_relative_to(self._root) and path.is_file():
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime_type})
        raise PermissionError(f"record renderer refuses to fetch {url[:200]!r}: not a bundled asset")


def _finish(document: Any, pdf: Any) -> None:
    _dedupe_associated_files(pdf)
    _scope_table_headers(pdf)
    _claim_pdf_ua(pdf)


def _dedupe_associated_files(pdf: Any) -> None:
    """pdfa() lists each attachment in /AF twice (once from the EmbeddedFiles name tree, once from the
    Filespec scan); keep one reference per file."""
    files = pdf.catalog.get("AF")
    if files:
        unique = list(dict.fromkeys(files))
        files.clear()
        files.extend(unique)


def _scope_table_headers(pdf: Any) -> None:
    """Give every TH a /Scope (PDF/UA-1, Matterhorn 15-003): Column in a table's head row, Row elsewhere (the
    label column of the record's key-value tables). WeasyPrint links data cells to their headers (/Headers)
    but writes no /Scope."""
    def parent(element: Any) -> Any:
        return pdf.objects[int(element["P"].split()[0])]

    for element in pdf.objects:
        if isinstance(element, dict) and element.get("Type") == "/StructElem" and element.get("S") == "/TH":
            in_head = parent(parent(element)).get("S") == "/THead"
            element["A"]["Scope"] = "/Column" if in_head else "/Row"


def _claim_pdf_ua(pdf: Any) -> None:
    """Add ``pdfuaid:part=1`` (and its PDF/A extension schema) to the XMP packet WeasyPrint wrote."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    packet = b"".join(metadata.stream)
    if packet.count(b"</rdf:RDF>") != 1:
        raise RuntimeError("WeasyPrint's XMP packet changed shape: cannot add the PDF/UA identification")
    metadata.stream = [packet.replace(b"</rdf:RDF>", PDF_UA_XMP + b"</rdf:RDF>")]


def _parse_time(value: str) -> dt.datetime:
    """ISO 8601 -> naive UTC datetime. Raises ValueError on a malformed or zone-less value."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!r} has no time zone")
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def format_utc(value: str | None) -> str:
    """'2026-11-28T10:00:00Z' -> '2026-11-28 10:00:00 UTC'; other text is shown unchanged."""
    if not value:
        return ""
    try:
        return _parse_time(value).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError):
        return str(value)


def iso_utc(value: str) -> str:
    """Normalise to '2026-11-28T10:00:00Z', the form both the PDF Info dict and XMP accept."""
    return _parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def verdict_label(verdict: str) -> str:
    return VERDICT_LABELS.get(verdict, str(verdict).replace("_", " ").capitalize())


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
