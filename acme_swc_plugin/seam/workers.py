"""Run ACME's queued workers and actors no earlier than they are due.

In acmecse 2026.5.3 `BackgroundWorkerPool` keeps one heap of due times and one
`threading.Timer` for its head. Queueing or unqueueing a worker cancels that timer and
starts a new one, but a timer that has already fired is past cancelling: it waits for
the queue lock and then `_execQueue` pops and runs whatever is at the head, due or not.
So, when workers are queued often (the campaign writer, ACME's own request and
notification actors), a one-shot actor can run seconds early: seen as coalesced status
writes that came too soon (187 writes instead of 43 at N = 3000 targets) and campaigns
whose `startDelay` ended early. This replacement runs the head only when it is due and
otherwise starts the timer again for it.
"""

from __future__ import annotations

import heapq

from acmecse.helpers import BackgroundWorker as module
from acmecse.helpers.BackgroundWorker import BackgroundWorkerPool


def _exec_queue(cls) -> None:
    with cls.queueLock:
        cls._stopTimer()
        if cls.workerQueue and cls.workerQueue[0].timestamp <= module._utcTime():
            entry = heapq.heappop(cls.workerQueue)
            if worker := cls.backgroundWorkers.get(entry.workerID):
                cls.runJob(worker._work, entry.workerName)
        cls._startTimer()


def run_workers_when_due() -> None:
    """Replace `BackgroundWorkerPool._execQueue`; safe to call twice."""
    BackgroundWorkerPool._execQueue = classmethod(_exec_queue)
