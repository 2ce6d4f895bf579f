"""Who may read the audit trail, on its page and through the API (the `reviewboard audit` commands are the
operators')."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_view_audit_trail(user) -> bool:
    """The audit trail (/audit and the API): auditors and committee chairs read, verify and export it."""
    return user.is_authenticated and user.active and (user.has_role(Role.AUDITOR) or user.has_role(Role.CHAIR))
