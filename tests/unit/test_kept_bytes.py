"""The records' bytes a process keeps for downloads: only bytes whose digest is the one given, within a bound."""

from __future__ import annotations

import hashlib

from reviewboard.records.kept_bytes import KeptBytes


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_bytes_are_kept_only_under_their_own_digest():
    kept = KeptBytes()
    kept.put(1, _digest(b"other bytes"), b"record bytes", 1000)
    assert kept.get(1) is None
    kept.put(1, _digest(b"record bytes"), b"record bytes", 1000)
    assert kept.get(1) == (_digest(b"record bytes"), b"record bytes")


def test_the_least_recently_downloaded_go_first_beyond_the_bound_and_a_large_record_is_not_kept():
    kept = KeptBytes()
    records = {n: bytes([n]) * 250 for n in range(1, 6)}
    for n in (1, 2, 3, 4):
        kept.put(n, _digest(records[n]), records[n], 1000)
    assert kept.get(1) is not None  # downloaded again: now the most recent
    kept.put(5, _digest(records[5]), records[5], 1000)
    assert kept.get(2) is None and all(kept.get(n) is not None for n in (1, 3, 4, 5))
    kept.put(6, _digest(b"f" * 251), b"f" * 251, 1000)  # more than a quarter of the bound
    assert kept.get(6) is None
    kept.put(7, _digest(b""), b"", 0)  # a bound of 0 keeps nothing
    assert kept.get(7) is None
