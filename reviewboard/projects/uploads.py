"""Evidence files: allow-listed types recognised by their content, never by the name alone, and how an
accepted file is stored (used by the stage page and by answers to conditions)."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from reviewboard.audit.services import record_event
from reviewboard.core.errors import ServiceError
from reviewboard.extensions import db
from reviewboard.projects.models import Evidence

if TYPE_CHECKING:
    from reviewboard.auth.models import User
    from reviewboard.catalogs.models import Criterion
    from reviewboard.reviews.models import StageReview

# extension -> (stored content type, content check)
_PNG = b"\x89PNG\r\n\x1a\n"


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data


def _is_zip_office(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


ALLOWED = {
    ".pdf": ("application/pdf", lambda d: d.startswith(b"%PDF-")),
    ".png": ("image/png", lambda d: d.startswith(_PNG)),
    ".jpg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda d: d.startswith(b"\xff\xd8\xff")),
    ".txt": ("text/plain", _is_text),
    ".md": ("text/plain", _is_text),
    ".csv": ("text/csv", _is_text),
    ".json": ("application/json", _is_text),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _is_zip_office),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _is_zip_office),
}
ALLOWED_LABEL = "PDF, PNG, JPEG, plain text, Markdown, CSV, JSON, DOCX or XLSX"


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """Return (clean display name, content type) or raise ServiceError(field="file")."""
    # control and format characters (NUL, CR/LF, right-to-left overrides) would break storage or disguise
    # the extension on screen ("report\u202efdp.exe" shows as "reportexe.pdf")
    name = "".join(ch for ch in (filename or "") if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = PurePath(name.replace("\\", "/")).name.strip()
    if not name:
        raise ServiceError(_("Choose a file to upload."), "file")
    if len(name) > 255:
        name = name[-255:]
    if not data:
        raise ServiceError(_("The file is empty (0 bytes). Choose the file again."), "file")
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED:
        raise ServiceError(_("Files of type '%(ext)s' are not accepted. Use %(allowed)s.", ext=ext or _("unknown"),
                             allowed=ALLOWED_LABEL), "file")
    content_type, looks_right = ALLOWED[ext]
    if not looks_right(data):
        raise ServiceError(_("The file is named %(ext)s but its content is not a %(kind)s file.", ext=ext,
                             kind=ext[1:].upper()), "file")
    return name, content_type


def file_columns(filename: str, data: bytes) -> dict:
    """Check the file (:func:`check_upload`) and return the columns every stored file has: its clean name, a
    generated storage name, content type, size, SHA-256 and bytes (stage evidence, incident evidence)."""
    name, content_type = check_upload(filename, data)
    return {"filename": name, "storage_name": secrets.token_hex(16), "content_type": content_type,
            "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "data": data}


def store_evidence(actor: User, stage: StageReview, criterion: Criterion, filename: str, data: bytes, *,
                   audit: dict | None = None, expires_on: date | None = None) -> Evidence:
    """Check the file (type by content, size, name) and store it as evidence on ``criterion`` with an
    ``evidence.added`` event (``audit`` adds to it). The caller has checked who may and which criterion."""
    columns = file_columns(filename, data)
    evidence = Evidence(stage_review_id=stage.id, criterion_id=criterion.id, **columns, uploaded_by_id=actor.id,
                        round_number=stage.round_number + 1, expires_on=expires_on)
    stage.evidence.append(evidence)
    db.session.flush()
    record_event(actor, "evidence.added", "evidence", evidence.id,
                 after={"stage_review_id": stage.id, "criterion": criterion.code, "filename": evidence.filename,
                        "sha256": evidence.sha256, "size": evidence.size, **(audit or {})})
    return evidence
