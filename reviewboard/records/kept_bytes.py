"""Stored records' bytes kept in this process's memory for their downloads.

A record never changes once stored (a change is a new version, a new record), so its bytes can be kept; who may
download it can change at any time, so every download still asks the database (records/services.py
``stored_file``), and the database's answer carries the record's SHA-256: kept bytes are used only when their own
digest is that one. Bytes are kept only after hashing them, so an entry can never stand for other bytes (a record
id reused after a rolled-back test, a replaced database). Least recently downloaded records go first once the
entries exceed RECORD_CACHE_BYTES; 0 keeps none.

Reading a record's bytes from PostgreSQL costs more than the rest of its download: an 88 KiB record arrives as
176 KiB of hex that the server writes and psycopg decodes (0.6-1.2 ms; its digest alone, 0.04-0.1 ms).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict


class KeptBytes:
    def __init__(self) -> None:
        self._entries: OrderedDict[int, tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, record_id: int) -> tuple[str, bytes] | None:
        """The bytes kept for ``record_id`` and their digest, which the download asks the database to confirm."""
        with self._lock:
            entry = self._entries.get(record_id)
            if entry is not None:
                self._entries.move_to_end(record_id)
            return entry

    def put(self, record_id: int, digest: str, data: bytes, limit: int) -> None:
        """Keep ``data`` as the bytes whose SHA-256 is ``digest``; nothing is kept when they are not, or when they
        alone are more than a quarter of ``limit``."""
        if limit <= 0 or len(data) * 4 > limit or hashlib.sha256(data).hexdigest() != digest:
            return
        with self._lock:
            old = self._entries.pop(record_id, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[record_id] = (digest, data)
            self._size += len(data)
            while self._size > limit:
                _id, (_digest, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0


kept = KeptBytes()
