"""Who may browse and import criteria catalogs."""

from __future__ import annotations

from reviewboard.auth.models import Role


def can_browse_catalogs(user) -> bool:
    return user.is_authenticated and user.active


def can_import_catalog(user) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)
