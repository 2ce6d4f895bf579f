"""Python's cyclic garbage collector paused around a record's render and seal.

WeasyPrint builds a record's box tree out of a few hundred thousand objects that live until the PDF is written;
with the collector on, each 700 new objects start a collection that walks the young ones again, about 200
collections per record, 15-30% of the render (bench/render_sign.py). Paused, the collector runs once at the end
over what the render left behind (its reference cycles are freed then).

The collector is one per process: while a record renders in one thread (the embedded worker), the other threads'
cycles wait for that end too, a second or two; their objects without cycles are freed as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the collector for the block (nested and concurrent blocks share one pause; the last to end resumes
    it, unless it was off before the first began), then collect the young generation."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            last = _depth == 0
            if last and _resume:
                gc.enable()
        if last:
            gc.collect(0)
