"""Evidence packs: one ZIP with the signed PDFs, JSON records, evidence files and a signed manifest.

Layout::

    manifest.json          what is in the pack, with the SHA-256 and size of every file
    manifest.sha256        the same hashes in `sha256sum -c` format
    manifest.sig           base64 RSA/SHA-256 signature of manifest.json by the organisation's key
    signer.pem             the certificate that made manifest.sig
    records/<id>-v<n>.pdf  the stored, signed record PDFs (byte-identical to the downloads)
    records/<id>-v<n>.json the machine-readable records
    evidence/<stage>/<criterion>/<evidence id>-<file name>

:func:`verify_pack` checks the manifest signature against the trust roots, every file's hash, that
nothing was added or removed, and each record PDF's own signature.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow
from reviewboard.records.keys import current_signer, is_trusted, sign_detached, verify_detached
from reviewboard.records.models import Record
from reviewboard.records.signing import verify_pdf

PACK_FORMAT = "reviewboard-evidence-pack-v1"
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entry times: the manifest carries the real time


def _safe(name: str) -> str:
    """A ZIP entry name: letters and digits of any script kept (ZIP marks such names UTF-8), anything else
    that could mean a path or confuse an unzip tool becomes "_"."""
    cleaned = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip("._") or "file"
    return cleaned[:120]


def build_pack(project, stage=None) -> tuple[bytes, str]:
    """Return (zip bytes, suggested file name) for a project, or for one of its stages."""

    stages = [stage] if stage is not None else [s for s in project.stages]
    files: dict[str, bytes] = {}
    records_meta = []
    for s in stages:
        records = db.session.scalars(select(Record).where(Record.stage_review_id == s.id)
                                     .order_by(Record.version)).all()
        for r in records:
            base = f"records/{r.public_id}-v{r.version}"
            files[f"{base}.pdf"] = r.pdf
            files[f"{base}.json"] = r.record_json.encode()
            records_meta.append({"record_id": r.public_id, "version": r.version, "stage": s.name,
                                 "pdf_sha256": r.pdf_sha256, "content_sha256": r.content_sha256})
        for e in s.evidence:
            if e.withdrawn:
                continue
            files[f"evidence/{s.code}/{e.criterion.code}/{e.id}-{_safe(e.filename)}"] = e.data
    manifest = {
        "format": PACK_FORMAT,
        "generated_at": iso(utcnow()),
        "project": {"id": project.id, "name": project.name, "tier": project.tier},
        "stage": stage.name if stage is not None else None,
        "records": records_meta,
        "files": [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
                  for p, b in sorted(files.items())],
    }
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
    signature, cert = sign_detached(current_signer(), manifest_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        def put(name: str, data: bytes) -> None:
            zf.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data)

        put("manifest.json", manifest_bytes)
        put("manifest.sha256", "".join(f"{f['sha256']}  {f['path']}\n" for f in manifest["files"]).encode())
        put("manifest.sig", base64.b64encode(signature) + b"\n")
        put("signer.pem", cert.public_bytes(serialization.Encoding.PEM))
        for path, data in sorted(files.items()):
            put(path, data)
    suffix = f"-{stage.code}" if stage is not None else ""
    return out.getvalue(), f"reviewboard-pack-{project.id:06d}{suffix}.zip"


@dataclass
class PackCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    files: int = 0
    records: int = 0


def verify_pack(data: bytes, trust_roots: list[Path]) -> PackCheck:
    """Check a pack offline: manifest signature and trust, every hash, completeness, each PDF signature."""
    check = PackCheck(ok=False)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
        manifest_bytes = zf.read("manifest.json")
        signature = base64.b64decode(zf.read("manifest.sig"))
        cert = x509.load_pem_x509_certificate(zf.read("signer.pem"))
        manifest = json.loads(manifest_bytes)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        check.problems.append(f"not a ReviewBoard evidence pack ({exc})")
        return check
    roots = [c for p in trust_roots for c in x509.load_pem_x509_certificates(Path(p).read_bytes())]
    if not verify_detached(cert, signature, manifest_bytes):
        check.problems.append("manifest.json does not match its signature (manifest altered)")
    if not is_trusted(cert, roots):
        check.problems.append("the manifest is signed by a certificate that is not trusted")
    listed = {f["path"]: f for f in manifest.get("files", [])}
    for path, entry in listed.items():
        if path not in names:
            check.problems.append(f"{path}: listed in the manifest but missing from the pack")
            continue
        content = zf.read(path)
        if hashlib.sha256(content).hexdigest() != entry["sha256"] or len(content) != entry["size"]:
            check.problems.append(f"{path}: SHA-256 does not match the manifest (file altered)")
        check.files += 1
        if path.endswith(".pdf"):
            result = verify_pdf(content, trust_roots)
            check.records += 1
            if not result.ok:
                check.problems.append(f"{path}: record signature not valid: {result.reason}")
    extra = names - set(listed) - {"manifest.json", "manifest.sha256", "manifest.sig", "signer.pem"}
    for path in sorted(extra):
        check.problems.append(f"{path}: in the pack but not in the manifest (file added)")
    check.ok = not check.problems
    return check
