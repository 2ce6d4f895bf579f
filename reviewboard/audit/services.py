"""Writing and verifying the audit trail.

Each event stores canonical JSON ``payload`` and ``entry_hash = sha256("audit-v1\\0" + prev_hash +
payload)``. Events are appended in the same transaction as the change they describe; appends are
serialised (PostgreSQL: a transaction-level advisory lock; SQLite: BEGIN IMMEDIATE already holds the
write lock), so ``seq`` stays gap-free. A transaction takes the lock and reads the head once, at its first
event, and keeps the head in memory for its next ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select, text

from reviewboard.audit import anchors
from reviewboard.audit.models import GENESIS_HASH, AuditEvent
from reviewboard.core import transaction
from reviewboard.extensions import db
from reviewboard.models.base import iso, utcnow

log = logging.getLogger("reviewboard.audit")

_ADVISORY_LOCK_KEY = 424242


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256(b"audit-v1\0" + prev_hash.encode("ascii") + payload.encode("utf-8")).hexdigest()


def record_event(actor, action: str, obj_type: str, obj_id: Any, *, before: Any = None, after: Any = None,
                 reason: str | None = None, on_behalf_of=None) -> AuditEvent:
    """Append one audit event to the current transaction and flush it.

    ``actor`` is a User or None for the system. Raises whatever the flush raises; the caller's
    transaction boundary rolls both the business change and this event back together.
    """
    session = db.session
    head = _chain_head(session)
    seq, prev_hash = head["seq"] + 1, head["hash"]
    now = utcnow()
    actor_name = actor.name if actor is not None else "ReviewBoard (system)"
    body = {
        "seq": seq,
        "at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor_name,
        "action": action,
        "object": {"type": obj_type, "id": str(obj_id)},
        "before": before,
        "after": after,
        "reason": reason,
        "request_id": g.get("request_id") if has_request_context() else None,
    }
    if on_behalf_of is not None:
        body["on_behalf_of"] = {"id": on_behalf_of.id, "name": on_behalf_of.name}
    payload = canonical(body)
    entry_hash = chain_hash(prev_hash, payload)
    key = anchors.mac_key()
    event = AuditEvent(seq=seq, created_at=now, actor_id=body["actor_id"], actor_name=actor_name,
                       action=action, object_type=obj_type, object_id=str(obj_id), payload=payload,
                       prev_hash=prev_hash, entry_hash=entry_hash,
                       entry_mac=anchors.entry_mac(key, entry_hash) if key else None)
    session.add(event)
    session.flush()  # at once: the head kept in memory must never be ahead of what the transaction has written
    head.update(seq=seq, hash=entry_hash)
    if head["checkpoint_due"] is None or now >= head["checkpoint_due"]:
        head["checkpoint_due"] = anchors.anchor_after_event(seq)
    from reviewboard.webhooks.services import on_audit_event  # webhooks import this module

    on_audit_event(event)
    log.debug("audit seq=%s action=%s object=%s:%s actor=%s", seq, action, obj_type, obj_id, body["actor_id"])
    return event


def _chain_head(session) -> dict:
    """The chain's head as this transaction sees it: {"seq", "hash"}, read once per transaction after taking the
    chain's lock (PostgreSQL: a transaction-level advisory lock; SQLite: BEGIN IMMEDIATE already holds the write
    lock), then moved on in memory by each event the transaction appends: the lock is held until the commit, so
    no other writer can move it meanwhile. Also when the newest checkpoint will be stale ("checkpoint_due"): the
    first event asks, the next ones ask again only from then on."""
    facts = transaction.facts(session)
    head = facts.get("audit_head")
    if head is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        row = session.execute(select(AuditEvent.seq, AuditEvent.entry_hash)
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()
        head = facts["audit_head"] = {"seq": row.seq if row else 0, "hash": row.entry_hash if row else GENESIS_HASH,
                                      "checkpoint_due": None}
    return head


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0
    mac_checked: int = 0  # rows whose HMAC was checked
    tail: anchors.Tail | None = None  # on success: the events no signed checkpoint covers yet


def verify_chain(batch: int = 5000) -> ChainCheck:
    """Verify the whole trail; report the first sequence number that does not fit.

    Checks, in one ordered pass: gap-free ``seq``, each ``prev_hash`` link, each ``entry_hash`` against
    its payload, the indexed columns against the payload, and each row's HMAC when the key is present.
    Then every signed checkpoint: its signature and certificate, that the trail still reaches its
    ``seq`` (no truncation) and that the row there still has the signed head hash (no rewrite).
    """
    key = anchors.mac_key()
    points = anchors.checkpoints()
    wanted = {cp.seq for cp in points}
    hash_at: dict[int, str] = {}
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    macs = 0
    stmt = select(AuditEvent.seq, AuditEvent.payload, AuditEvent.prev_hash, AuditEvent.entry_hash,
                  AuditEvent.entry_mac, AuditEvent.action, AuditEvent.object_type,
                  AuditEvent.object_id).order_by(AuditEvent.seq)
    sha256 = hashlib.sha256
    prefix = b"audit-v1\0"

    def bad(seq, reason):
        return ChainCheck(False, checked, seq, reason, len(points), macs)
    # Core rows, streamed: this loop runs 100,000+ times, so it avoids ORM objects and helper calls.
    # closed on every way out: an early return must not leave a PostgreSQL server-side cursor open
    rows = db.session.execute(stmt.execution_options(yield_per=batch))
    try:
        for row in rows:
            seq, payload, row_prev, row_hash, row_mac, action, object_type, object_id = row
            if seq != expected_seq:
                return bad(expected_seq, f"sequence gap: expected {expected_seq}, found {seq} (rows deleted)")
            if row_prev != prev_hash:
                return bad(seq, "previous-hash link broken (rows removed, swapped or forged)")
            if sha256(prefix + prev_hash.encode("ascii") + payload.encode("utf-8")).hexdigest() != row_hash:
                return bad(seq, "entry hash does not match its content (row altered)")
            try:
                body = json.loads(payload)
                obj = body.get("object") or {}
            except (ValueError, AttributeError):
                return bad(seq, "payload is not valid JSON")
            if (body.get("seq") != seq or body.get("action") != action or obj.get("type") != object_type
                    or obj.get("id") != object_id):
                return bad(seq, "indexed columns disagree with the hashed payload (row altered)")
            if row_mac is None:
                # rows written before the key existed (or before a downgrade dropped the column) carry none;
                # once rows carry a MAC, every later row must
                if macs:
                    return bad(seq, "HMAC missing after HMAC-protected rows (row forged or rewritten)")
            elif key is not None:
                if row_mac != hmac.digest(key, row_hash.encode("ascii"), "sha256").hex():
                    return bad(seq, "HMAC does not match: the chain was rewritten from here with recomputed hashes")
                macs += 1
            if seq in wanted:
                hash_at[seq] = row_hash
            prev_hash = row_hash
            expected_seq += 1
            checked += 1
    finally:
        rows.close()
    last_seq = expected_seq - 1
    roots = anchors.trust_root_certs() if points else []
    last_good = 0
    for cp in points:
        problem = anchors.checkpoint_problem(cp, roots)
        if problem:
            return bad(cp.seq, problem)
        if cp.seq > last_seq:
            return bad(last_seq + 1, f"the trail ends at seq {last_seq}, but a signed checkpoint of "
                                     f"{cp.created_at:%Y-%m-%d %H:%M} UTC saw seq {cp.seq}: newest rows dropped")
        if cp.seq and hash_at.get(cp.seq) != cp.head_hash:
            return bad(last_good + 1, f"the row at seq {cp.seq} differs from the signed checkpoint: the chain "
                                      f"was rewritten after seq {last_good}")
        last_good = cp.seq
    return ChainCheck(True, checked, checkpoints=len(points), mac_checked=macs, tail=anchors.unanchored_tail(last_seq))


def describe(event: AuditEvent) -> dict:
    actor = event.actor_name
    if '"on_behalf_of"' in event.payload:  # a delegate's action: "X on behalf of Y"
        behalf = (json.loads(event.payload).get("on_behalf_of") or {}).get("name")
        if behalf:
            actor = f"{actor} on behalf of {behalf}"
    return {"seq": event.seq, "at": iso(event.created_at), "actor": actor, "action": event.action,
            "object": f"{event.object_type} {event.object_id}"}
