"""The audit trail for auditors and chairs (the /audit page's predicate): filtered, paged by sequence number,
and its read-only verification."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from reviewboard.api.blueprint import api_user, bp, requires
from reviewboard.api.schemas import AuditPage, AuditQuery, AuditVerifyOut, MeOut
from reviewboard.audit.models import AuditEvent
from reviewboard.audit.permissions import can_view_audit_trail
from reviewboard.audit.services import verify_chain
from reviewboard.extensions import db
from reviewboard.tokens.models import Scope

TAG = {"tags": ["Audit trail"]}


@bp.get("/audit/events")
@bp.doc(**TAG, summary="Audit events in sequence order (auditors and chairs); continue with after_seq")
@bp.arguments(AuditQuery, location="query", as_kwargs=True)
@bp.response(200, AuditPage)
@requires(Scope.READ, 422)
def audit_events(limit: int = 50, after_seq: int | None = None, **filters):
    if not can_view_audit_trail(api_user()):
        abort(403, "Only auditors and chairs read the audit trail.")
    stmt = select(AuditEvent).order_by(AuditEvent.seq)
    if after_seq is not None:
        stmt = stmt.where(AuditEvent.seq > after_seq)
    for name in ("action", "object_type", "object_id", "actor_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(AuditEvent, name) == filters[name])
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_after_seq": rows[-1].seq if more else None}


@bp.get("/audit/verify")
@bp.doc(**TAG, summary="Verify the hash chain, its HMACs and signed checkpoints (read-only; auditors and chairs)")
@bp.response(200, AuditVerifyOut)
@requires(Scope.READ)
def audit_verify():
    if not can_view_audit_trail(api_user()):
        abort(403, "Only auditors and chairs verify the audit trail.")
    return verify_chain()


@bp.get("/me")
@bp.doc(tags=["Account"], summary="Who the token acts for, its roles and the token's scope")
@bp.response(200, MeOut)
@requires(Scope.READ)
def me():
    from flask import g

    user = api_user()
    return {"id": user.id, "email": user.email, "name": user.name, "roles": sorted(r.value for r in user.roles),
            "token_scopes": list(g.api_token.scopes), "token_expires_at": g.api_token.expires_at}
