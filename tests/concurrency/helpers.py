"""Run work at the same instant from several threads (the concurrency tests' one way to race)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def at_once(*works: Callable[[], object], timeout: float = 120) -> list:
    """Start each callable in its own thread, release them together at a barrier, and return their
    results in order; a callable that raised gives its exception instead of a result."""
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)

    def runner(index: int, work: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = work()
        except Exception as exc:  # noqa: BLE001 - the caller classifies it
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, w)) for i, w in enumerate(works)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing thread did not finish"
    return results
