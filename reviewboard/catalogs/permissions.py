"""Who may import criteria catalogs (every signed-in person may browse them)."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_import_catalog(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)
