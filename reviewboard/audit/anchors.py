"""Anchors for the audit chain: a per-row HMAC with a key outside the database, and signed checkpoints.

A hash chain alone catches edits, not a full rewrite by someone who can recompute hashes, nor the
newest rows being dropped. The HMAC key (a file in the instance folder, never in the database)
pinpoints the first rewritten row; checkpoints signed with the organisation's record key pin the head
at every record issue and whenever there are new events and the newest checkpoint is older than
AUDIT_CHECKPOINT_INTERVAL (default 5 minutes), so truncation and rewrites are caught even if the HMAC
key leaked. Only the tail after the newest checkpoint can be dropped without trace: `audit verify` reports
it, and with ``--max-tail`` fails when it is older than allowed. With a timestamp authority configured
(TIMESTAMP_URL) each checkpoint's signature also carries an RFC 3161 token, so it cannot be backdated.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from pyhanko.keys import load_certs_from_pemder
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select

from reviewboard.audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent
from reviewboard.extensions import db
from reviewboard.models.base import utcnow
from reviewboard.records.keys import (
    current_signer,
    is_trusted,
    sign_detached,
    timestamp_trust_roots,
    timestamper,
    trust_roots,
    verify_detached,
)

log = logging.getLogger("reviewboard.audit")


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


def create_checkpoint(reason: str, *, timestamped: bool = True) -> AuditCheckpoint:
    """Sign the current head with the organisation's key and store it (flushes, does not commit); with
    ``timestamped`` and a TSA configured, its signature gets an RFC 3161 token."""
    head = audit_head()
    now = utcnow()
    statement = _statement(head["seq"], head["hash"], now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), reason)
    signature, cert = sign_detached(current_signer(), statement.encode())
    checkpoint = AuditCheckpoint(seq=head["seq"], head_hash=head["hash"], created_at=now, reason=reason,
                                 statement=statement, signature=base64.b64encode(signature).decode(),
                                 signer_cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                                 timestamp_token=_timestamp(signature) if timestamped else None)
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def _timestamp(signature: bytes) -> str | None:
    """An RFC 3161 token over the checkpoint's signature (base64 DER), when a TSA is configured and answers.

    A TSA that is down or refuses costs the checkpoint its token, never the checkpoint itself."""
    tsa = timestamper()
    if tsa is None:
        return None
    try:
        token = asyncio.run(tsa.async_timestamp(hashlib.sha256(signature).digest(), "sha256"))
    except Exception as exc:
        log.warning("audit checkpoint without timestamp: the timestamp authority failed (%s)", type(exc).__name__)
        return None
    return base64.b64encode(token.dump()).decode()


def timestamp_problem(cp: AuditCheckpoint) -> str | None:
    """None when the checkpoint carries no token, or a token from a trusted TSA over its signature."""
    if not cp.timestamp_token:
        return None
    paths = timestamp_trust_roots() or trust_roots()
    roots = [cert for path in paths for cert in load_certs_from_pemder([str(path)])]
    signature = base64.b64decode(cp.signature)
    try:
        token = cms.ContentInfo.load(base64.b64decode(cp.timestamp_token))
        status = TimestampSignatureStatus(**asyncio.run(validate_tst_signed_data(
            token["content"], ValidationContext(trust_roots=roots, allow_fetching=False),
            lambda algorithm: hashlib.new(algorithm, signature).digest())))
    except Exception as exc:
        log.info("checkpoint %s timestamp could not be validated: %s", cp.id, exc)
        return f"checkpoint {cp.id} has a damaged timestamp token"
    if not (status.intact and status.valid):
        return f"checkpoint {cp.id} has a timestamp token that does not match its signature"
    if not status.trusted:
        return f"checkpoint {cp.id} is timestamped by an untrusted timestamp authority"
    return None


def checkpoint_problem(cp: AuditCheckpoint, roots: list[x509.Certificate]) -> str | None:
    """None when the checkpoint's signature is valid, by a trusted certificate, over what it claims, and its
    timestamp token (if any) is a trusted TSA's over that signature."""
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
    return timestamp_problem(cp)


def trust_root_certs() -> list[x509.Certificate]:
    certs = []
    for path in trust_roots():
        certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certs


def checkpoints() -> list[AuditCheckpoint]:
    return list(db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq, AuditCheckpoint.id)))


def checkpoint_interval() -> timedelta:
    return current_app.config["AUDIT_CHECKPOINT_INTERVAL"]


def checkpoint_if_stale(head: int | None = None) -> AuditCheckpoint | None:
    """Sign the head when there are events after the newest checkpoint and that checkpoint is older than
    AUDIT_CHECKPOINT_INTERVAL (or there is none). Runs after audited writes (:func:`anchor_after_event`), and
    from `reviewboard audit checkpoint --if-stale` (cron, every minute) so that a quiet trail's last events are
    anchored too. Skipped, with a warning, when no signing key is configured yet. ``head`` is the newest
    event's seq when the caller has just written it (spares a query on every audited write)."""
    return _anchor_if_stale(head)[0]


def anchor_after_event(head: int) -> datetime:
    """After an audited write has appended the event at ``head``: :func:`checkpoint_if_stale`. Returns when the
    newest checkpoint will be stale, so that the transaction's next events need not ask before then."""
    return _anchor_if_stale(head)[1]


def _anchor_if_stale(head: int | None) -> tuple[AuditCheckpoint | None, datetime]:
    newest = _newest_checkpoint()
    if newest is not None:
        if head is None:
            head = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
        if head <= newest.seq or utcnow() - newest.created_at < checkpoint_interval():
            return None, newest.created_at + checkpoint_interval()
    try:
        checkpoint = create_checkpoint("interval")
    except (FileNotFoundError, ValueError) as exc:
        log.warning("no audit checkpoint: signing key unavailable (%s)", exc)
        return None, utcnow()  # the next event asks again (and warns again)
    return checkpoint, checkpoint.created_at + checkpoint_interval()


ANCHOR_POLL = timedelta(minutes=1)


def anchor_once(app) -> AuditCheckpoint | None:
    """One round of the background anchoring: checkpoint_if_stale() in its own transaction."""
    with app.app_context():
        try:
            checkpoint = checkpoint_if_stale()
            db.session.commit()
            return checkpoint
        except Exception:
            db.session.rollback()
            log.exception("background audit checkpoint failed")
            return None
        finally:
            db.session.remove()


def anchor_in_background(app) -> threading.Event:
    """Anchor the trail from a daemon thread of this server process, so the newest events of a quiet trail are
    signed within AUDIT_CHECKPOINT_INTERVAL (plus at most a minute) without the cron job. Set the returned
    event to stop it."""
    with app.app_context():
        every = min(checkpoint_interval(), ANCHOR_POLL).total_seconds()
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            anchor_once(app)

    threading.Thread(target=run, name="reviewboard-audit-anchor", daemon=True).start()
    return stop


@dataclass
class Tail:
    """The events after the newest signed checkpoint: the ones that could be dropped without trace."""

    events: int
    checkpoint_seq: int | None  # None: no checkpoint at all
    checkpoint_at: datetime | None
    oldest_at: datetime | None  # when the oldest unanchored event was written
    age: timedelta  # how long the oldest unanchored event has waited for a checkpoint


def _newest_checkpoint():
    """(seq, created_at) of the checkpoint that covers the most of the trail, or None."""
    return db.session.execute(select(AuditCheckpoint.seq, AuditCheckpoint.created_at)
                              .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc()).limit(1)).first()


def unanchored_tail(last_seq: int) -> Tail:
    newest = _newest_checkpoint()
    anchored = newest.seq if newest else 0
    if last_seq <= anchored:
        return Tail(0, anchored if newest else None, newest.created_at if newest else None, None, timedelta(0))
    oldest = db.session.scalar(select(AuditEvent.created_at).where(AuditEvent.seq == anchored + 1))
    return Tail(last_seq - anchored, anchored if newest else None, newest.created_at if newest else None, oldest,
                utcnow() - oldest)
