"""Write a run's statuses into its campaign resource, coalescing bursts of changes.

A campaign over thousands of targets receives thousands of notifications; writing the
whole resource for each would make a run quadratic. Changes mark the run dirty and one
write, a short interval later, carries all of them. A write copies all N statuses, so
at a fixed interval the writes of a long run over many targets would still add up to
O(N²): the interval is stretched to `WRITE_SPACING` times the CPU time of the last
write, which keeps writing below a twentieth of the CSE's time at any size. The
aggregated status changing (IN_PROGRESS at the start, the terminal status at the end)
is written at once.

A write re-reads the campaign from storage, never reuses an old copy, and goes through
ACME's resource update so that the campaign's own subscribers are notified
(TS-0001 10.2.28.2 step 8) and an announced copy is kept in step.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from acmecse.etc.ResponseStatusCodes import ResponseException
from acmecse.helpers.BackgroundWorker import BackgroundWorkerPool
from acmecse.resources.AnnounceableResource import AnnounceableResource
from acmecse.runtime.EventManager import EventData, eventManager
from acmecse.runtime.Logging import Logging as L

from ..core._values import IN_PROGRESS, NOT_YET_STARTED
from .hidden import RETIRING, RUN_NUMBER, SUBSCRIPTIONS
from .runs import Run

WRITE_SPACING = 20
"""The next coalesced write waits at least this many times the last write's CPU time."""


class StatusWriter:
    """Coalesces a run's changes into few writes of its campaign resource."""

    def __init__(self, dispatcher: Any, interval: float, on_written: Callable[[Run], None]):
        self.dispatcher = dispatcher
        self.interval = interval
        self.on_written = on_written
        """Called after every successful write, still holding the run's lock."""

    def request(self, run: Run, now: bool = False) -> None:
        """Ask for a write of `run`: at once, or after the interval with later changes."""
        if now:
            self.flush(run)
            return
        with run.lock:
            if run.flush_pending:
                return
            run.flush_pending = True
            delay = max(self.interval, WRITE_SPACING * run.write_cost)
        BackgroundWorkerPool.newActor(
            self._due, delay=delay, name=f"swc_write_{run.ri}", data=run
        ).start()

    def _due(self, _data: Run) -> None:
        """ACME's actor callback (ACME passes `data` as `_data`)."""
        self.flush(_data)

    def flush(self, run: Run) -> None:
        """Write the run's current statuses if they changed since the last write."""
        with run.lock:
            run.flush_pending = False
            if run.cancelled or not (run.ledger.dirty or run.force_write):
                return
            run.force_write = False
            version = run.ledger.version
            started = time.thread_time()
            try:
                campaign = self.dispatcher.retrieveLocalResource(run.ri)
            except ResponseException:
                return  # deleted meanwhile; its deactivation cancels the run
            changes = self.status_attributes(run)
            try:
                AnnounceableResource.update(
                    campaign,
                    {campaign.typeShortname: changes},
                    originator=None,
                    doValidateAttributes=False,
                )
                eventManager.changeResource(EventData(payload=(campaign, campaign.ri)))
            except ResponseException as e:
                L.logWarn(f"acme-swc: status of campaign {run.ri} not written: {e.dbg}")
                return
            run.ledger.mark_written(version)
            run.write_cost = time.thread_time() - started
            self.on_written(run)

    @staticmethod
    def status_attributes(run: Run) -> dict:
        """The campaign attributes that mirror the run: statuses, links, subscriptions."""
        aggregated = run.ledger.aggregate()
        if aggregated == NOT_YET_STARTED and not run.finished:
            aggregated = IN_PROGRESS  # started, though no target has its [software] yet
        return {
            "agss": int(aggregated),
            "inss": run.ledger.to_attribute(),
            "swlk": run.ledger.software_links(),
            SUBSCRIPTIONS: dict(run.subscriptions),
            RETIRING: sorted(run.retiring),
            RUN_NUMBER: run.number,
        }
