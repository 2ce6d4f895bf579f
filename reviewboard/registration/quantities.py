"""Reading the numbers people type for the registration facts: "1,200,000", "3.2e24", "10^25", "3 x 10^24",
"7B". Pure Python; the form uses it, so a bad number is a field error, never a 500."""

from __future__ import annotations

import math
import re

_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}
_POWER = re.compile(r"^(?:([0-9]*\.?[0-9]+)\s*(?:x|\*|×)\s*)?10\s*(?:\^|\*\*)\s*\+?([0-9]{1,3})$", re.IGNORECASE)
_PLAIN = re.compile(r"^([0-9]*\.?[0-9]+(?:e[+-]?[0-9]{1,3})?)\s*([kmbgt]?)$", re.IGNORECASE)


def parse_quantity(text: str | None, what: str, *, whole: bool = True) -> int | float | None:
    """The number in ``text`` (None when empty); raises ValueError with a message naming ``what``.

    ``whole``: a count (users, parameters), returned as an int; otherwise a float (FLOP)."""
    raw = (text or "").strip()
    if not raw:
        return None
    cleaned = re.sub(r"(?<=\d)[,_ '](?=\d{3})", "", raw)
    value: float | None = None
    try:
        if power := _POWER.match(cleaned):
            value = float(f"{power.group(1) or 1}e{power.group(2)}")  # "3e25" exactly, not 3.0 * 1e25
        elif plain := _PLAIN.match(cleaned):
            value = float(plain.group(1)) * _SUFFIX.get(plain.group(2).lower(), 1)
    except OverflowError:
        value = math.inf
    example = "1,200,000 or 7B" if whole else "3.2e24 or 10^25"
    if value is None or not math.isfinite(value):
        raise ValueError(f"Give the {what} as a number, such as {example}; {raw[:40]!r} is not one.")
    if whole:
        if value >= 2**63:
            raise ValueError(f"The {what} is too large to be a count; check the number.")
        if value != int(value):
            raise ValueError(f"Give the {what} as a whole number.")
        return int(value)
    return value
