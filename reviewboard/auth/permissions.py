"""Account administration permissions."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_admin_users(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)
