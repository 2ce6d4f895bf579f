"""Artifact digests: ``sha256:<64 lowercase hex>``, the form of an OCI content digest."""

from __future__ import annotations

import re

from reviewboard.core.errors import ServiceError

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_ALGORITHM = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):(.*)$", re.IGNORECASE)


class InvalidDigest(ServiceError):
    """A digest that is not a SHA-256 (bare hex, ``sha256:<hex>`` or ``image@sha256:<hex>``)."""

    def __init__(self, message: str, field: str | None = "artifacts"):
        super().__init__(message, field)


def parse_digest(text: str) -> str:
    """Normalise ``text`` to ``sha256:<64 lowercase hex>``; raises :class:`InvalidDigest` saying what is wrong.

    Accepted: ``sha256:<hex>`` (an OCI digest), the 64 hex characters alone (``sha256sum``'s output), and an
    image reference pinned by digest (``registry/name@sha256:<hex>``, the part after ``@`` is kept)."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidDigest("Give the artifact's SHA-256 digest (sha256: followed by 64 hexadecimal characters).")
    shown = raw if len(raw) <= 90 else raw[:87] + "..."
    if "@" in raw:
        raw = raw.rsplit("@", 1)[1]
    found = _ALGORITHM.match(raw)
    if found:
        algorithm, value = found.group(1).lower(), found.group(2)
        if algorithm != "sha256":
            raise InvalidDigest(f"The digest {shown!r} uses {algorithm}; only sha256 digests are accepted.")
    else:
        value = raw
    if not _HEX64.match(value):
        length = len(value)
        what = (f"has {length} characters where 64 are needed" if re.fullmatch(r"[0-9a-fA-F]*", value)
                else "contains characters that are not hexadecimal (0-9, a-f)")
        raise InvalidDigest(f"The digest {shown!r} is not a SHA-256: its hexadecimal part {what}.")
    return "sha256:" + value.lower()
