"""The steps of one target in a run (TS-0001 10.2.28.2 steps 5 and 6), resumable.

A target goes through: create its `[software]`, subscribe to it, set the operation
flag. Each call of `advance()` goes on from the first step not yet done, so the same
code drives a new target, retries one, and resumes one after a restart.

A failure that may pass (the target's CSE unreachable or away, a timeout, a 5xxx) is
retried with a growing pause until `targetTimeout` after the first failure; any other
failure (no privilege, not a `<node>`, a bad request) makes the target ERROR at once.
"""

from __future__ import annotations

import time
from typing import Any

from ..core import status as rules
from .driver import FLAG, REPORT, Outcome, TargetDriver
from .runs import Run
from .timers import DEADLINE, RECONCILE, RETRY, Timers

MAX_PAUSE = 30.0
"""Longest pause between two attempts, in seconds."""


class TargetSteps:
    """Drives targets; reports outcomes to the engine through `fail` and `changed`."""

    def __init__(self, engine: Any, driver: TargetDriver, timers: Timers, timeout: float):
        self.engine = engine
        self.driver = driver
        self.timers = timers
        self.timeout = timeout

    def advance(self, run: Run, target: str) -> None:
        """Do the target's next steps, up to setting its operation flag."""
        if run.cancelled:
            return
        software_id = run.ledger.entry(target).software_id
        if software_id is None:
            name = f"{run.ri}-{run.number}"
            created = self.driver.create_software(
                run.parents[target], name, run.software, run.originator
            )
            if not self._succeeded(run, target, created, RETRY):
                return
            software_id = created.resource_id
            with run.lock:
                run.ledger.link(target, software_id)
            self.engine.writer.request(run)
            if created.existed:  # made before a restart: it may be subscribed, even started
                return self.reconcile(run, target)

        if target not in run.subscriptions:
            subscribed = self.driver.subscribe(
                software_id, run.operation, run.notify_id, run.originator
            )
            if not self._succeeded(run, target, subscribed, RETRY):
                return
            with run.lock:
                if run.cancelled:
                    self.driver.delete(subscribed.resource_id, run.originator)
                    return
                run.add_subscription(target, subscribed.resource_id)
            self.engine.writer.request(run)

        if target not in run.started:
            flagged = self.driver.start_operation(software_id, run.operation, run.originator)
            if not self._succeeded(run, target, flagged, RETRY):
                return
            self._started(run, target)

    def reconcile(self, run: Run, target: str) -> None:
        """After a restart: learn what the target's `[software]` did meanwhile, then go on.

        The campaign records a target's subscription with a coalesced write, so a CSE
        that ended abruptly may have subscribed (and even set the flag) without the
        record: the subscription is then looked up on the `[software]` by its
        notification target before any new one is made, and the `[software]` is read
        before the flag is set, so no device is driven twice.

        A `[software]` whose flag is still set, or that reports "in process", is under
        way: only its deadline starts again. One that reports an end gives the target's
        status. One that shows neither was never started: its flag is set now.
        """
        software_id = run.ledger.entry(target).software_id
        if software_id is None:
            return self.advance(run, target)
        if not self._ensure_subscription(run, target, software_id):
            return

        software, outcome = self.driver.read_software(software_id, run.originator)
        if software is None:
            if not outcome.transient:
                outcome = Outcome(error="its [software] was deleted while the CSE was down")
            self._succeeded(run, target, outcome, RECONCILE)
            return

        report = software.get(REPORT[run.operation]) or {}
        status = rules.status_from_software(
            run.operation, software.get("ins"), software.get("acts")
        )
        if rules.is_terminal(status):
            with run.lock:
                if run.ledger.apply(software_id, status):
                    self.engine.changed(run, target)
            return
        if software.get(FLAG[run.operation]) or report.get("sus") == rules.ActionStatus.IN_PROCESS:
            self._started(run, target)
        else:
            self.advance(run, target)

    def _ensure_subscription(self, run: Run, target: str, software_id: str) -> bool:
        """Give the target a subscription on `software_id` that ACME delivers: the
        recorded one, or one of the run found on the `[software]`, or a new one; one that
        ACME would not deliver is removed and made anew, and a local `[software]`'s count
        of subscriptions is set right (see `repair`). True when the target has one;
        otherwise it is retried or ERROR."""
        subscription = run.subscriptions.get(target)
        if subscription is None:
            found = self.driver.find_child(
                software_id,
                "m2m:sub",
                lambda sub: run.notify_id in (sub.get("nu") or []),
                run.originator,
            )
            if not self._succeeded(run, target, found, RECONCILE):
                return False
            subscription = found.resource_id
        repair = self.driver.repair
        if subscription is not None and (broken := repair.broken_subscription(subscription)):
            with run.lock:
                run.drop_subscription(target)
            repair.discard(broken, "a subscription ACME would not notify through")
            subscription = None

        if subscription is None:
            made = self.driver.subscribe(software_id, run.operation, run.notify_id, run.originator)
            if not self._succeeded(run, target, made, RECONCILE):
                return False
            subscription = made.resource_id
        repair.recount_subscriptions(software_id)
        with run.lock:
            run.add_subscription(target, subscription)
        self.engine.writer.request(run)
        return True

    def _started(self, run: Run, target: str) -> None:
        with run.lock:
            run.started.add(target)
            run.attempts.pop(target, None)
        self.timers.add(self.timeout, run.ri, run.number, target, DEADLINE)

    def _succeeded(self, run: Run, target: str, outcome: Outcome, step: str) -> bool:
        """True for a success; otherwise schedule a retry of `step`, or fail the target."""
        if outcome.error is None:
            return True
        now = time.time()
        with run.lock:
            first, failures = run.attempts.get(target, (now, 0))
            run.attempts[target] = (first, failures + 1)
        if not outcome.transient:
            self.engine.fail(run, target, outcome.error)
        elif now - first < self.timeout:
            pause = min(2.0**failures, MAX_PAUSE, self.timeout - (now - first))
            self.timers.add(pause, run.ri, run.number, target, step)
        else:
            self.engine.fail(run, target, f"{outcome.error}, still after {self.timeout:g} s")
        return False
