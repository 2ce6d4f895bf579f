"""The time zones a person may choose for the times pages show (accounts' profile): the IANA names of the time
zone database that zoneinfo reads. No import of the app: reviewboard/accounts and reviewboard/i18n read it."""

from __future__ import annotations

import zoneinfo
from functools import cache

# files of the system's database that are not zones a person lives in: the server's own zone, a template for
# POSIX rules, and tzdata's "Factory" (zone "-00")
NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones() - NOT_ZONES}


def canonical_zone(name: str | None) -> str | None:
    """``name`` as the database spells it ("asia/shanghai" -> "Asia/Shanghai"); None for a name it does not know
    (a typo, a path, an abbreviation such as "CST" that names several zones)."""
    return _by_lower_name().get((name or "").strip().lower())
