"""Who reads the committee metrics: the people who read the audit trail (chairs and auditors), by the same
predicate, so the two oversight pages never disagree on who may see them."""

from __future__ import annotations

from reviewboard.audit.permissions import can_view_audit_trail


def can_view_metrics(user) -> bool:
    return can_view_audit_trail(user)
