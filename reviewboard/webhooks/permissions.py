"""Who manages webhooks: chairs (subscriptions, the delivery log, replays)."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_manage_webhooks(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)
