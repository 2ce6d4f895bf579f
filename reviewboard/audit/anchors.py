"""Anchors for the audit chain: a per-row HMAC with a key outside the database, and signed checkpoints.

A hash chain alone catches edits, not a full rewrite by someone who can recompute hashes, nor the
newest rows being dropped. The HMAC key (a file in the instance folder, never in the database)
pinpoints the first rewritten row; checkpoints signed with the organisation's record key pin the head
at every record issue and at least daily, so truncation and rewrites are caught even if the HMAC key
leaked.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from sqlalchemy import select

from reviewboard.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.records.keys import current_signer, is_trusted, sign_detached, trust_roots, verify_detached


def mac_key_path() -> Path:
    path = Path(current_app.config["AUDIT_MAC_KEY_PATH"])
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def init_mac_key(path: Path) -> bool:
    """Create the HMAC key file (0600) if missing; returns True when created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return True


@lru_cache(maxsize=8)
def _read_key(path: str, mtime: float) -> bytes:
    return bytes.fromhex(Path(path).read_text().strip())


def mac_key() -> bytes | None:
    path = mac_key_path()
    if not path.exists():
        return None
    return _read_key(str(path), path.stat().st_mtime)


def entry_mac(key: bytes, entry_hash: str) -> str:
    return hmac.digest(key, entry_hash.encode("ascii"), "sha256").hex()


def audit_head() -> dict:
    """The newest event's sequence number and hash: what a checkpoint or a record pins."""
    row = db.session.execute(select(AuditEvent.seq, AuditEvent.entry_hash)
                             .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if row is None:
        return {"seq": 0, "hash": GENESIS_HASH}
    return {"seq": row.seq, "hash": row.entry_hash}


def _statement(seq: int, head_hash: str, at: str, reason: str) -> str:
    return f"reviewboard-audit-checkpoint-v1\nseq={seq}\nhead={head_hash}\nat={at}\nreason={reason}\n"


def create_checkpoint(reason: str) -> AuditCheckpoint:
    """Sign the current head with the organisation's key and store it (flushes, does not commit)."""
    head = audit_head()
    now = utcnow()
    statement = _statement(head["seq"], head["hash"], now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), reason)
    signature, cert = sign_detached(current_signer(), statement.encode())
    checkpoint = AuditCheckpoint(seq=head["seq"], head_hash=head["hash"], created_at=now, reason=reason,
                                 statement=statement, signature=base64.b64encode(signature).decode(),
                                 signer_cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode())
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def checkpoint_problem(cp: AuditCheckpoint, roots: list[x509.Certificate]) -> str | None:
    """None when the checkpoint's signature is valid, by a trusted certificate, over what it claims."""
    try:
        cert = x509.load_pem_x509_certificate(cp.signer_cert_pem.encode())
        valid = verify_detached(cert, base64.b64decode(cp.signature), cp.statement.encode())
    except ValueError:
        valid = False
    if not valid:
        return f"checkpoint {cp.id} has an invalid signature"
    if not is_trusted(cert, roots):
        return f"checkpoint {cp.id} is signed by an untrusted certificate"
    lines = dict(line.split("=", 1) for line in cp.statement.splitlines()[1:] if "=" in line)
    if lines.get("seq") != str(cp.seq) or lines.get("head") != cp.head_hash:
        return f"checkpoint {cp.id} columns disagree with its signed statement"
    return None


def trust_root_certs() -> list[x509.Certificate]:
    certs = []
    for path in trust_roots():
        certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certs


def checkpoints() -> list[AuditCheckpoint]:
    return list(db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq, AuditCheckpoint.id)))


CHECKPOINT_INTERVAL_HOURS = 24


def checkpoint_if_stale() -> AuditCheckpoint | None:
    """Sign the head when the newest checkpoint is older than a day (or there is none), so the trail is
    anchored at least daily even without the `audit checkpoint` cron job. Skipped, with a warning, when
    no signing key is configured yet."""
    from datetime import timedelta

    from sqlalchemy import func

    newest = db.session.scalar(select(func.max(AuditCheckpoint.created_at)))
    if newest is not None and utcnow() - newest < timedelta(hours=CHECKPOINT_INTERVAL_HOURS):
        return None
    try:
        return create_checkpoint("daily")
    except (FileNotFoundError, ValueError) as exc:
        import logging

        logging.getLogger("reviewboard.audit").warning("no audit checkpoint: signing key unavailable (%s)", exc)
        return None
