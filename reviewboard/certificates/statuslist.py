"""The signed status list: every certificate's status, a serial that only grows, the time it was issued.

Published as a DSSE envelope (payload type :data:`STATUS_LIST_PAYLOAD_TYPE`) signed with the organisation key,
at a public URL. A verifier that remembers the highest serial it has seen refuses an older list (a replay),
and one older than its ``--max-age`` (a stale list). So that a list stays fresh while nothing changes, the
daily sweep issues a new one when the newest is older than STATUS_LIST_REISSUE_AFTER.

Rebuilt by a job after every status change (one job per audited change, so none is lost). The job builds the
list in its write transaction, from the statuses as committed, so a slower worker can never publish an older
picture under a newer serial; the table's UNIQUE serial settles two workers racing.
"""

from __future__ import annotations

import hashlib
import json
import logging

from cryptography import x509
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from reviewboard.extensions import db
from reviewboard.jobs import outbox
from reviewboard.models.base import iso, utcnow
from reviewboard.records.keys import current_signer

from . import dsse
from .gate import STATUS_LIST_PAYLOAD_TYPE, STATUS_LIST_TYPE
from .models import Certificate, StatusList

log = logging.getLogger("reviewboard.certificates")

KIND = "certificate.status_list"


def request_status_list(key: str) -> None:
    """Ask for a new list after the current transaction commits (flushes)."""
    outbox.enqueue(KIND, key, {})


def entries() -> dict:
    """Each certificate's status and since when; a renewed one also names its successor (superseded_by),
    so that a gate handed the old certificate says which one to use."""
    successor = aliased(Certificate)
    rows = db.session.execute(select(Certificate.public_id, Certificate.status, Certificate.status_changed_at,
                                     successor.public_id)
                              .outerjoin(successor, successor.supersedes_id == Certificate.id)
                              .order_by(Certificate.id))
    listed = {}
    for public_id, status, since, newer in rows:
        entry = {"status": status, "since": iso(since)}
        if newer:
            entry["superseded_by"] = newer
        listed[public_id] = entry
    return listed


def _entries_sha256(listed: dict) -> str:
    return hashlib.sha256(dsse.canonical(listed)).hexdigest()


def newest() -> StatusList | None:
    return db.session.scalar(select(StatusList).order_by(StatusList.serial.desc()).limit(1))


def publish(*, force: bool = False) -> StatusList | None:
    """Sign and store a new list when the statuses changed since the newest (or when ``force``); returns it,
    or None when the newest already says the same. Flushes."""
    listed = entries()
    digest = _entries_sha256(listed)
    last = newest()
    if last is not None and last.entries_sha256 == digest and not force:
        return None
    serial = (db.session.scalar(select(func.max(StatusList.serial))) or 0) + 1
    issued_at = utcnow()
    body = {"_type": STATUS_LIST_TYPE, "issuer": current_app.config["ORGANISATION_NAME"], "serial": serial,
            "issued_at": iso(issued_at), "entries": listed}
    signer = current_signer()
    cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    envelope = dsse.sign(dsse.canonical(body), STATUS_LIST_PAYLOAD_TYPE, signer.private_key, cert)
    row = StatusList(serial=serial, issued_at=issued_at, envelope=json.dumps(envelope), entries_sha256=digest)
    db.session.add(row)
    db.session.flush()
    log.info("status list %s issued (%d certificates)", serial, len(listed))
    return row


def refresh_if_stale() -> StatusList | None:
    """A new list when the newest is older than STATUS_LIST_REISSUE_AFTER (the sweep), so that a verifier's
    --max-age does not refuse a list only because nothing has changed."""
    last = newest()
    if last is None and not db.session.scalar(select(func.count(Certificate.id))):
        return None
    if last is not None and utcnow() - last.issued_at < current_app.config["STATUS_LIST_REISSUE_AFTER"]:
        return None
    return publish(force=True)


def _prepare(payload: dict):
    return True  # built in the write step, from the statuses as committed


def _store(payload: dict, _prepared) -> None:
    publish()


outbox.handler(KIND, _prepare, _store)


def current_envelope() -> dict | None:
    last = newest()
    return json.loads(last.envelope) if last is not None else None

