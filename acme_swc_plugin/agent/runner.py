"""The simulated agent: carries out the operations that `[software]` resources ask for.

Per `[software]` one operation runs at a time. It is reported "in process" as soon as
its flag is seen, and its result after the simulated delay by an ACME background actor
named `swcagent_<ri>`; the event thread never waits. When an operation ends, its flag is
cleared and the next flag still set on that `[software]` is taken up. A silent device
gets no actor at all: its `[software]` stays as it is. A device that answers twice
(`swcsim:twice`, `swcsim:flaky`) keeps its `[software]` busy until its second answer,
which writes only the status, never the flags; a second answer still due when the CSE
stops is not sent.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from acmecse.helpers.BackgroundWorker import BackgroundWorker, BackgroundWorkerPool
from acmecse.runtime.Logging import Logging as L

from . import simulator
from .operations import Operation, finish_changes, pending, start_changes

if TYPE_CHECKING:
    from ..settings import Settings
    from .adapter import SoftwareStore

WORKER_PREFIX = "swcagent_"
EARLY_TOLERANCE = 0.05
"""Seconds an actor may run before its time without being put back to wait."""


class SimulatedAgent:
    """Reacts to `[software]` changes with simulated device behaviour.

    `store` is the ACME access, `settings` the plugin's settings (delay, failure rate,
    seed). Call `start()` to accept work and `stop()` to end every pending operation;
    a stopped agent ignores changes. All methods are safe to call from any thread.
    """

    def __init__(self, store: SoftwareStore, settings: Settings) -> None:
        self._store = store
        self._settings = settings
        self._lock = threading.Lock()
        self._busy: dict[str, object] = {}
        """ri -> the actor reporting its operation, or a reservation while it is set up."""
        self._accepting = False
        self._warned: set[tuple[str, str]] = set()

    def start(self) -> None:
        """Accept work, and take up the operations that stored `[software]` still ask for.

        After a restart with a persistent database, an operation that was in process
        when the CSE stopped is carried out again from the beginning.
        """
        with self._lock:
            self._accepting = True
        for ri in self._store.with_pending_operation():
            self.software_changed(ri)

    def stop(self) -> None:
        """Stop accepting work and stop every actor; their results are never reported."""
        with self._lock:
            self._accepting = False
            actors = [a for a in self._busy.values() if isinstance(a, BackgroundWorker)]
            self._busy.clear()
        for actor in actors:
            actor.stop()

    def software_changed(self, ri: str) -> None:
        """Take up the operation the `[software]` `ri` asks for, unless one is running.

        An operation running already is left alone: when it ends, the flags are read
        again, so nothing set meanwhile is lost.
        """
        reservation = object()
        with self._lock:
            if not self._accepting or ri in self._busy:
                return
            self._busy[ri] = reservation

        actor = None
        try:
            actor = self._begin(ri)
        except TimeoutError:
            L.logWarn(f"swcagent: [software] {ri} stayed locked, its operation was not started")
        finally:
            with self._lock:
                still_ours = self._busy.get(ri) is reservation
                if still_ours and actor is not None:
                    self._busy[ri] = actor
                elif still_ours:
                    del self._busy[ri]
        if actor is not None and still_ours:
            actor.start()

    def _begin(self, ri: str) -> BackgroundWorker | None:
        """Report the requested operation in process; return the actor that ends it."""
        if (software := self._store.read(ri)) is None:
            return None
        if (operation := pending(software.dict)) is None:
            return None
        if (labels := self._store.node_labels(software)) is None:
            return None

        decision = self._decide(software.structuredPath(), software.pi, labels, operation)
        if decision.outcome is simulator.Outcome.SILENT:
            L.isDebug and L.logDebug(f"swcagent: {ri} {operation.name}: device is silent")
            return None
        if not self._store.apply(ri, lambda attributes: start_changes(attributes, operation)):
            return None

        L.isDebug and L.logDebug(
            f"swcagent: {ri} {operation.name} in process, "
            f"{decision.outcome.value} in {decision.delay:g} s"
        )
        due = time.monotonic() + decision.delay
        return _actor(self._finish, ri, decision.delay, (ri, operation, decision, due, False))

    def _decide(
        self, path: str, node_ri: str, labels: list[str], operation: Operation
    ) -> simulator.Decision:
        overrides, malformed = simulator.parse_labels(labels)
        self._warn_malformed(node_ri, malformed)
        seed = self._settings.agent_seed
        return simulator.decide(
            overrides,
            delay=self._settings.agent_delay,
            failure_rate=self._settings.agent_failure_rate,
            rng=simulator.generator(seed, f"{path}/{operation.name}"),
        )

    def _finish(self, _data: tuple, _worker: BackgroundWorker) -> None:
        """Actor callback: report the result, clear the flag, then take up the next flag,
        or first give the device's second answer when it has one."""
        ri, operation, decision, due, repeated = _data
        with self._lock:
            if self._busy.get(ri) is not _worker:
                return  # stopped meanwhile
            # ACME's worker pool runs the head of its queue whenever its timer fires, and a
            # timer that fires while another worker is being queued can run an actor that
            # is not due yet; such an actor is put back for the time that is left.
            if (left := due - time.monotonic()) > EARLY_TOLERANCE:
                self._busy[ri] = later = _actor(self._finish, ri, left, _data)
        if left > EARLY_TOLERANCE:
            later.start()
            return

        again = None
        try:
            again = self._report(ri, operation, decision, repeated)
        finally:
            with self._lock:
                if self._busy.get(ri) is not _worker:
                    again = None  # stopped meanwhile
                elif again is not None:
                    self._busy[ri] = again
                else:
                    del self._busy[ri]
        if again is not None:
            again.start()
        else:
            self.software_changed(ri)

    def _report(
        self, ri: str, operation: Operation, decision: simulator.Decision, repeated: bool
    ) -> BackgroundWorker | None:
        """Write the device's answer; return the actor of its second answer, if it has one.

        A first answer also clears the flag; a `repeated` one (the second answer of
        `decision.again`) writes only the status, so a flag set again meanwhile is kept.
        """
        succeeded = decision.outcome is simulator.Outcome.SUCCESS
        changes = finish_changes(operation, succeeded)
        if repeated:
            changes = {operation.status: changes[operation.status]}
        if self._store.apply(ri, lambda _: changes):
            outcome = decision.outcome.value + (" (second answer)" if repeated else "")
            L.isDebug and L.logDebug(f"swcagent: {ri} {operation.name} {outcome}")
        if decision.again is None:
            return None
        second = simulator.Decision(decision.again, decision.delay)
        due = time.monotonic() + second.delay
        return _actor(self._finish, ri, second.delay, (ri, operation, second, due, True))

    def _warn_malformed(self, node_ri: str, labels: list[str]) -> None:
        """Warn once per `<node>` and label, so a bad label does not flood the log."""
        with self._lock:
            new = [label for label in labels if (node_ri, label) not in self._warned]
            self._warned.update((node_ri, label) for label in new)
        for label in new:
            L.logWarn(
                f"swcagent: <node> {node_ri} has the unreadable label {label!r}; "
                f"its device uses the defaults; known are {simulator.FAIL_LABEL}, "
                f"{simulator.SILENT_LABEL}, {simulator.TWICE_LABEL}, {simulator.FLAKY_LABEL} "
                f"and {simulator.DELAY_LABEL}<seconds>"
            )


def _actor(callback, ri: str, delay: float, data: tuple) -> BackgroundWorker:
    """A one-shot ACME actor named after the `[software]`, not started yet."""
    return BackgroundWorkerPool.newActor(
        callback, delay=delay, name=f"{WORKER_PREFIX}{ri}", data=data
    )
