"""The software management procedure of the Hosting CSE (TS-0001 10.2.28.1-10.2.28.2).

One `CampaignEngine` runs every campaign of the CSE. A campaign waits (trigger
criteria, schedule windows, see `gate`), then a run drives each target on a bounded
pool of threads: create the `[software]`, subscribe to it, set the operation flag
(see `driver`). Notifications from those subscriptions update the run's ledger; the
`writer` mirrors the ledger into the campaign resource. A per-target deadline turns a
silent target into ERROR, so no run stays IN_PROGRESS forever.

Locking: each run has its own lock, held for every read or change of its ledger;
notifications for one campaign arrive on many threads and none may be lost.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.ResponseStatusCodes import ORIGINATOR_HAS_NO_PRIVILEGE, ResponseException
from acmecse.etc.Types import ResourceTypes
from acmecse.helpers.BackgroundWorker import BackgroundWorkerPool
from acmecse.runtime.Logging import Logging as L

from ..core import status as rules
from ..core._values import IN_PROGRESS, NOT_YET_STARTED, Operation, Status
from ..core.ledger import TargetLedger
from ..settings import Settings
from .driver import TargetDriver
from .gate import Gate
from .hidden import (
    RETIRING,
    RUN_NUMBER,
    SUBSCRIPTIONS,
    TARGET_KEYS,
    TRIGGER_SUBSCRIPTIONS,
    TRIGGERED,
)
from .runs import Run
from .steps import TargetSteps
from .timers import DEADLINE, RECONCILE, RETRY, Timers
from .writer import StatusWriter

RETIRE_DELAY = 1.0
"""Seconds between a target's end and the DELETE of its subscription. ACME writes the
parent `[software]` from its own copy when a child is deleted, and ACME notifies
before the write that ended the target is stored: a DELETE at once can read the old
copy and undo the device's report. The pause makes that unlikely, not impossible."""


class CampaignEngine:
    """Starts, drives, resumes and stops the runs of all campaigns of this CSE."""

    def __init__(
        self,
        dispatcher: Any,
        storage: Any,
        settings: Settings,
        campaign_type: int,
        registered: Callable[[], set[str]],
    ):
        """`registered` answers the CSE-IDs of the other CSEs reachable now."""
        self.dispatcher = dispatcher
        self.settings = settings
        self.campaign_type = ResourceTypes(campaign_type)
        self.driver = TargetDriver(dispatcher, storage, registered)
        self.writer = StatusWriter(dispatcher, settings.status_write_interval, self._written)
        self.timers = Timers()
        self.steps = TargetSteps(self, self.driver, self.timers, settings.target_timeout)
        self.gate = Gate(dispatcher, storage)
        self.runs: dict[str, Run] = {}
        self.known: set[str] = set()
        """The `ri` of every campaign on this CSE, to route NOTIFYs without reading them."""
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()
        self._delayed: dict[str, float] = {}
        """Campaign -> when `startDelay` after its CREATE ends."""
        self._retired: dict[str, set[str]] = {}
        """Campaign -> subscriptions it deleted itself; their deletion notices are fine."""
        self._to_delete: deque[tuple[float, str, str, Run | None]] = deque()
        """(when, subscription, originator, run) of subscriptions to delete, in time order;
        `run` forgets the subscription once it is gone."""
        self._pool: ThreadPoolExecutor | None = None
        self._ticker = None
        self._resumed = False

    # Lifecycle

    def start(self) -> None:
        """Start the worker pool and the one-second ticker; `resume_all()` comes later."""
        self._pool = ThreadPoolExecutor(self.settings.parallel_targets, thread_name_prefix="swc")
        self._ticker = BackgroundWorkerPool.newWorker(1.0, self._tick, name="swc_ticker")
        self._ticker.start()
        self._resumed = False

    def stop(self) -> None:
        """Stop all work of this process; stored campaigns resume at the next start."""
        if self._ticker:
            self._ticker.stop()
        for run in list(self.runs.values()):
            self.writer.flush(run)  # changes still waiting for a coalesced write
            with run.lock:
                run.cancelled = True
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.runs.clear()
        self.known.clear()
        self.timers.clear()
        self._to_delete.clear()  # recorded as retiring: deleted at the next start

    def _submit(self, function, *args) -> None:
        if self._pool is not None:
            self._pool.submit(self._guarded, function, *args)

    @staticmethod
    def _guarded(function, *args) -> None:
        try:
            function(*args)
        except Exception as e:  # a bug must not silently kill the pool's thread's work
            L.logErr(f"acme-swc: {function.__name__} failed: {e}", exc=e)

    def _submit_step(self, step: Callable[[Run, str], None], run: Run, target: str) -> None:
        """Run a target step on the pool; an unexpected error ends that target as ERROR,
        so that no target waits for a deadline that was never set."""
        self._submit(self._guarded_step, step, run, target)

    def _guarded_step(self, step: Callable[[Run, str], None], run: Run, target: str) -> None:
        try:
            step(run, target)
        except Exception as e:
            L.logErr(
                f"acme-swc: campaign {run.ri} target {target}: {step.__name__} failed: {e}", exc=e
            )
            self.fail(run, target, f"internal error in {step.__name__}: {e}")

    def lock(self, campaign_ri: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(campaign_ri, threading.RLock())

    # Entry points (events and resource hooks)

    def is_campaign(self, resource_id: str) -> bool:
        return resource_id in self.known

    def campaign_created(self, campaign_ri: str) -> None:
        """A campaign was created: consider starting it after the configured delay."""
        self.known.add(campaign_ri)
        if self.settings.start_delay <= 0:
            self._submit(self.consider, campaign_ri)
            return
        # The ticker starts it, as it serves every other deadline of the engine.
        with self._guard:
            self._delayed[campaign_ri] = time.time() + self.settings.start_delay

    def campaign_changed(self, campaign_ri: str) -> None:
        """A campaign or one of its `<schedule>`s changed: maybe it may start now."""
        self._submit(self.consider, campaign_ri)

    def subject_changed(self, subject_ri: str) -> None:
        """A local resource changed: re-evaluate the campaigns that watch it."""
        for campaign_ri in self.gate.watchers_of(subject_ri):
            self._submit(self.consider, campaign_ri)

    def current_status(self, campaign_ri: str) -> dict | None:
        """The attributes the writer would write now, for a campaign with a run."""
        run = self.runs.get(campaign_ri)
        if run is None:
            return None
        with run.lock:
            return StatusWriter.status_attributes(run)

    def rewrite(self, campaign_ri: str) -> None:
        """Someone else wrote the campaign: write the run's statuses again, to be sure."""
        if (run := self.runs.get(campaign_ri)) is not None:
            with run.lock:
                run.force_write = True
            self.writer.request(run)

    def campaign_deleted(self, campaign: Any) -> None:
        """Stop everything the campaign started (10.2.28.3.4); [software] as configured."""
        self._retired.pop(campaign.ri, None)
        self.known.discard(campaign.ri)
        with self.lock(campaign.ri):
            run = self.runs.pop(campaign.ri, None)
            if run:
                with run.lock:
                    run.cancelled = True
        self.gate.unwatch(campaign.ri)

        originator = campaign.getOriginator()
        subscriptions = set(campaign.attribute(RETIRING) or [])
        subscriptions |= set((campaign.attribute(SUBSCRIPTIONS) or {}).values())
        if run:
            subscriptions |= run.retiring | set(run.subscriptions.values())
        due = time.time() + RETIRE_DELAY
        self._to_delete.extend((due, sub, originator, None) for sub in sorted(subscriptions))
        immediately = list((campaign.attribute(TRIGGER_SUBSCRIPTIONS) or {}).keys())
        if self.settings.delete_software_on_delete:
            immediately += run.ledger.software_links() if run else list(campaign.swlk or [])
        self._submit(self._delete_all, immediately, originator)

    def _delete_all(self, resource_ids: list[str], originator: str) -> None:
        for resource_id in resource_ids:
            if reason := self.driver.delete(resource_id, originator):
                L.isDebug and L.logDebug(f"acme-swc: {resource_id} not deleted: {reason}")

    # Starting

    def consider(self, campaign_ri: str) -> None:
        """Start the campaign if it waits and its trigger and schedule allow it now."""
        with self.lock(campaign_ri):
            if campaign_ri in self.runs:
                return
            try:
                campaign = self.dispatcher.retrieveLocalResource(campaign_ri)
            except ResponseException:
                self.gate.unwatch(campaign_ri)
                return
            if campaign.agss != NOT_YET_STARTED:
                return

            if not campaign.attribute(TRIGGERED):
                if not self.gate.criteria_hold(campaign):
                    self.gate.watch(campaign, lambda sri: self._subscribe_trigger(campaign, sri))
                    return
                if campaign.swtc:
                    campaign.setAttribute(TRIGGERED, True)
                    campaign.dbUpdate()

            if not self.gate.in_window(campaign_ri):
                self.gate.hold(campaign_ri)
                L.isDebug and L.logDebug(f"acme-swc: campaign {campaign_ri} waits for a window")
                return
            self.gate.unwatch(campaign_ri)
            self._start(campaign)

    def _subscribe_trigger(self, campaign: Any, sri: str) -> str | None:
        outcome = self.driver.subscribe_changes(
            sri, self._notify_id(campaign.ri), campaign.getOriginator()
        )
        if outcome.error:
            L.logWarn(f"acme-swc: campaign {campaign.ri} cannot watch {sri}: {outcome.error}")
        return outcome.resource_id

    def _notify_id(self, campaign_ri: str) -> str:
        return f"{RC.cseCsi}/{campaign_ri}"

    def _run_of(self, campaign: Any, number: int, ledger: TargetLedger) -> Run:
        """The in-memory run `number` of `campaign`, registered for its notifications."""
        targets = list(campaign.swtg)
        keys = campaign.attribute(TARGET_KEYS) or targets
        run = Run(
            ri=campaign.ri,
            number=number,
            operation=campaign.swop,
            originator=campaign.getOriginator(),
            notify_id=self._notify_id(campaign.ri),
            parents=dict(zip(targets, keys, strict=True)),
            software={"vr": campaign.swvr, "swn": campaign.swnm, "url": campaign.swur},
            ledger=ledger,
        )
        self.runs[campaign.ri] = run
        return run

    def _start(self, campaign: Any) -> None:
        """Begin a run over all targets (10.2.28.2 steps 4 to 6)."""
        targets = list(campaign.swtg)
        number = (campaign.attribute(RUN_NUMBER) or 0) + 1
        run = self._run_of(campaign, number, TargetLedger(campaign.swop, targets))
        L.isInfo and L.log(
            f"acme-swc: campaign {campaign.ri} started: {Operation(run.operation).name} "
            f"{campaign.swnm} {campaign.swvr} on {len(targets)} targets (run {run.number})"
        )
        self.writer.request(run, now=True)

        self._take_over_retiring(campaign, run)
        remote_triggers = list((campaign.attribute(TRIGGER_SUBSCRIPTIONS) or {}).keys())
        if remote_triggers:
            self._submit(self._delete_all, remote_triggers, run.originator)
        for target in targets:
            self._submit_step(self.steps.advance, run, target)

    # Progress

    def handle_notification(self, campaign_ri: str, request: Any, originator: str) -> None:
        """A NOTIFY addressed to the campaign: a `[software]` or a trigger subject changed.

        Raises:
            ORIGINATOR_HAS_NO_PRIVILEGE: the notification names no subscription of this
                campaign, or comes from another CSE than the subscription's; nothing
                changes.
        """
        notification = (request.pc or {}).get("m2m:sgn") or {}
        if notification.get("vrq"):
            return  # verification of a subscription the campaign is creating
        subscription = self._local_form(notification.get("sur") or "")
        L.isDebug and L.logDebug(f"acme-swc: NOTIFY {subscription} from {originator}")

        run = self.runs.get(campaign_ri)
        target = run.by_subscription.get(subscription) if run else None
        if target is not None and self._sent_by_host(run.subscriptions[target], originator):
            return self._software_changed(run, target, notification)

        if subscription in self._retired.get(campaign_ri, ()):
            return  # deletion notice of a subscription the campaign removed itself
        if subscription in (self._trigger_subscriptions(campaign_ri) or {}):
            self._submit(self.consider, campaign_ri)
            return
        raise ORIGINATOR_HAS_NO_PRIVILEGE(
            f"{subscription or 'a notification without sur'} from {originator} is not a "
            f"subscription of campaign {campaign_ri}"
        )

    @staticmethod
    def _local_form(resource_id: str) -> str:
        prefix = f"{RC.cseCsi}/"
        return resource_id[len(prefix) :] if resource_id.startswith(prefix) else resource_id

    @staticmethod
    def _sent_by_host(subscription_id: str, originator: str) -> bool:
        """Whether `originator` is the CSE hosting the subscription: a registree's
        CSE-ID for one on a registree, this CSE's own CSE-ID for a local one."""
        if subscription_id.startswith("/"):
            return originator == "/" + subscription_id.split("/")[1]
        return originator == RC.cseCsi

    def _trigger_subscriptions(self, campaign_ri: str) -> dict | None:
        try:
            campaign = self.dispatcher.retrieveLocalResource(campaign_ri)
        except ResponseException:
            return None
        return campaign.attribute(TRIGGER_SUBSCRIPTIONS)

    def _software_changed(self, run: Run, target: str, notification: dict) -> None:
        event = notification.get("nev") or {}
        with run.lock:
            # A deleted [software] or subscription takes the subscription with it; deleting
            # it ourselves as well would race with ACME's own removal.
            gone = notification.get("sud") or event.get("net") == 2
            if notification.get("sud"):
                changed = run.ledger.mark_error(target, "its subscription was deleted")
            elif event.get("net") == 2:
                changed = run.ledger.mark_error(target, "its [software] was deleted")
            else:
                representation = event.get("rep") or {}
                software = representation.get("m2m:swr", representation)
                status = rules.status_from_software(
                    run.operation, software.get("ins"), software.get("acts")
                )
                software_id = run.ledger.entry(target).software_id
                changed = software_id is not None and run.ledger.apply(software_id, status)
            if changed:
                L.isDebug and L.logDebug(
                    f"acme-swc: campaign {run.ri} target {target}: "
                    f"{Status(run.ledger.entry(target).status).name}"
                )
                self.changed(run, target, delete_subscription=not gone)

    def fail(self, run: Run, target: str, reason: str) -> None:
        with run.lock:
            if run.ledger.mark_error(target, reason):
                L.isDebug and L.logDebug(f"acme-swc: campaign {run.ri} target {target}: {reason}")
                self.changed(run, target)

    def changed(self, run: Run, target: str, delete_subscription: bool = True) -> None:
        """After a target's status changed (caller holds the run's lock)."""
        if rules.is_terminal(run.ledger.entry(target).status):
            self.retire_subscription(run, target, delete_subscription)
        self.writer.request(run, now=rules.is_terminal(run.ledger.aggregate()))

    def retire_subscription(self, run: Run, target: str, delete: bool) -> None:
        """A terminal target needs no more notifications: drop (and delete) its subscription."""
        subscription = run.drop_subscription(target)
        if subscription is None:
            return
        if delete:
            self._delete_later(run.ri, subscription, run.originator, run)
        else:
            self._retired.setdefault(run.ri, set()).add(subscription)

    def _delete_later(
        self, campaign_ri: str, subscription: str, originator: str, run: Run | None = None
    ) -> None:
        """Delete one of the campaign's subscriptions `RETIRE_DELAY` from now. With a run,
        it stays recorded as retiring until it is gone, so that a restart deletes again
        what a crash kept."""
        self._retired.setdefault(campaign_ri, set()).add(subscription)
        if run is not None:
            run.retiring.add(subscription)
        self._to_delete.append((time.time() + RETIRE_DELAY, subscription, originator, run))

    def _delete_subscription(self, subscription: str, originator: str, run: Run | None) -> None:
        """Delete a subscription; a run forgets it once it is gone.

        The run's record is dropped with its next status write, if there is one; a
        finished campaign keeps it until the next start, which deletes it again (see
        `resume_all`). That costs one repeated DELETE, never a campaign write of its own.
        """
        if reason := self.driver.delete(subscription, originator):
            L.isDebug and L.logDebug(f"acme-swc: {subscription} not deleted: {reason}")
            return
        if run is not None:
            with run.lock:
                run.retiring.discard(subscription)

    def _written(self, run: Run) -> None:
        """After each write (caller holds the run's lock): end the run once terminal."""
        aggregated = run.ledger.aggregate()
        if run.finished or not rules.is_terminal(aggregated):
            return
        run.finished = True
        self.runs.pop(run.ri, None)
        counts = ", ".join(f"{s.name} {n}" for s, n in run.ledger.counts().items() if n)
        L.isInfo and L.log(f"acme-swc: campaign {run.ri} ended {Status(aggregated).name}: {counts}")

    # Deadlines and windows

    def _tick(self) -> bool:
        """Every second: expire silent targets, delete the subscriptions of ended ones,
        start campaigns whose `startDelay` ended or whose window opened."""
        now = time.time()
        for timer in self.timers.due(now):
            run = self.runs.get(timer.campaign_ri)
            if run is None or run.number != timer.run_number:
                continue
            if timer.kind == DEADLINE:
                reason = f"no answer within targetTimeout ({self.settings.target_timeout:g} s)"
                self.fail(run, timer.target, reason)
            elif timer.kind == RETRY:
                self._submit_step(self.steps.advance, run, timer.target)
            elif timer.kind == RECONCILE:
                self._submit_step(self.steps.reconcile, run, timer.target)
        while self._to_delete and self._to_delete[0][0] <= now:
            _, subscription, originator, run = self._to_delete.popleft()
            self._submit(self._delete_subscription, subscription, originator, run)
        with self._guard:
            due = [ri for ri, when in self._delayed.items() if when <= now]
            for campaign_ri in due:
                del self._delayed[campaign_ri]
        for campaign_ri in due + [ri for ri in self.gate.held() if self.gate.in_window(ri)]:
            self._submit(self.consider, campaign_ri)
        return True

    # Restart

    def resume_all(self) -> None:
        """Pick up every stored campaign: waiting ones wait again, running ones go on.

        Call it once the CSE answers requests: resuming a run subscribes on registree
        CSEs, which verify the subscription with a NOTIFY to this CSE, and reads the
        targets' `[software]` so that answers lost while this CSE was away still count.
        A second call does nothing.
        """
        if self._resumed:
            return
        self._resumed = True
        for campaign in self.dispatcher.retrieveResourcesByType(self.campaign_type):
            self.known.add(campaign.ri)
            if campaign.agss == NOT_YET_STARTED:
                self._submit(self.consider, campaign.ri)
            elif campaign.agss == IN_PROGRESS:
                self._resume(campaign.ri)
            elif campaign.attribute(RETIRING):
                self._submit(self._finish_retiring, campaign)

    def _finish_retiring(self, campaign: Any) -> None:
        """Delete the subscriptions a finished campaign had not seen deleted, then record
        those that still cannot be, for the next start."""
        retiring = list(campaign.attribute(RETIRING) or [])
        self._retired.setdefault(campaign.ri, set()).update(retiring)
        left = {sub for sub in retiring if self.driver.delete(sub, campaign.getOriginator())}
        with self.lock(campaign.ri):
            try:  # read again: a request may have changed it meanwhile
                campaign = self.dispatcher.retrieveLocalResource(campaign.ri)
            except ResponseException:
                return
            if campaign.ri in self.runs:
                return  # a new run started; it took the record over
            still = [sub for sub in campaign.attribute(RETIRING) or [] if sub in left]
            campaign.setAttribute(RETIRING, still or None)
            campaign.dbUpdate()

    def _resume(self, campaign_ri: str) -> None:
        """Go on with a stored run; requests are served meanwhile, so under the lock."""
        with self.lock(campaign_ri):
            try:
                campaign = self.dispatcher.retrieveLocalResource(campaign_ri)
            except ResponseException:
                return  # deleted since the listing
            if campaign_ri in self.runs or campaign.agss != IN_PROGRESS:
                return
            try:
                ledger = TargetLedger.from_attribute(campaign.swop, campaign.inss or [])
            except ValueError as e:
                L.logErr(
                    f"acme-swc: campaign {campaign_ri} cannot resume, its statuses are damaged: {e}"
                )
                return
            run = self._run_of(campaign, campaign.attribute(RUN_NUMBER) or 1, ledger)
            for target, subscription in (campaign.attribute(SUBSCRIPTIONS) or {}).items():
                run.add_subscription(target, subscription)
            self._take_over_retiring(campaign, run)
        unfinished = ledger.unfinished()
        L.isInfo and L.log(
            f"acme-swc: campaign {campaign.ri} resumed: {len(unfinished)} targets open"
        )
        for target in unfinished:
            self._submit_step(self.steps.reconcile, run, target)
        if not unfinished:
            self.writer.request(run, now=True)

    def _take_over_retiring(self, campaign: Any, run: Run) -> None:
        """The new or resumed `run` deletes the subscriptions its campaign recorded as
        retiring (of an earlier run, or before a restart)."""
        for subscription in campaign.attribute(RETIRING) or []:
            self._delete_later(campaign.ri, subscription, run.originator, run)
