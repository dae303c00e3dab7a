"""Per-target deadlines and retries, kept in one heap and served by the engine's ticker.

One heap for the whole CSE, not a timer per target: ten thousand targets cost ten
thousand heap entries, and the ticker pops only what is due.
"""

from __future__ import annotations

import heapq
import threading
import time
from dataclasses import dataclass, field

DEADLINE = "deadline"
"""The target has not answered in time: it becomes ERROR."""
RETRY = "retry"
"""A request for the target failed for a reason that may pass: try the step again."""
RECONCILE = "reconcile"
"""Reading the target's `[software]` after a restart failed for such a reason."""


@dataclass(order=True)
class Timer:
    due: float
    campaign_ri: str = field(compare=False)
    run_number: int = field(compare=False)
    target: str = field(compare=False)
    kind: str = field(compare=False)


class Timers:
    """A thread-safe heap of `Timer`s."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._lock = threading.Lock()

    def add(self, delay: float, campaign_ri: str, run_number: int, target: str, kind: str):
        with self._lock:
            heapq.heappush(
                self._heap, Timer(time.time() + delay, campaign_ri, run_number, target, kind)
            )

    def due(self, now: float | None = None) -> list[Timer]:
        """Remove and return every timer due at `now` (default: the current time)."""
        now = time.time() if now is None else now
        popped = []
        with self._lock:
            while self._heap and self._heap[0].due <= now:
                popped.append(heapq.heappop(self._heap))
        return popped

    def clear(self) -> None:
        with self._lock:
            self._heap.clear()
