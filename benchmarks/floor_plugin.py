"""Benchmark-only ACME plugin: the floor, ACME's own cost of a campaign's resource work.

`campaign_scale.py` copies this module into the `plugins/` folder of the CSE of a floor
run only; it is never part of the product. It does, inside the CSE and through the same
dispatcher calls as the campaign engine, exactly the resource work of a campaign, and
none of the campaign's bookkeeping (no ledger, no status writes of a campaign resource):
for every `<node>`, on a pool of threads, create a `[software]`, create a
`<subscription>` on it, set `in` to true; the device agent answers; each target is done
when a notification reports `ins.sus` 1, and its subscription is then deleted.

Notifications go to a `<container>` `floor-sink` under the CSEBase, named by its
SP-relative ID, as a campaign's go to the campaign. ACME delivers a notification to a
local resource that is not an AE or a CSE by calling that resource's
`handleNotification()` (`Dispatcher.notifyLocalResource`), the path a campaign's
notifications take, so this module gives `<container>` a `handleNotification()` that
counts the notifications for the sink and keeps ACME's answer for every other container.

Triggers, each a `<container>` created under the CSEBase by the benchmark:
- `floor-prep`, labels `floor:originator=<AE-ID>`, `floor:parallel=<threads>`,
  `floor:result=<file>`: remembers the `<node>`s and the settings, creates the sink and
  writes `{"prepared": <node count>}` into the file (setup, not measured);
- `floor-go`: starts the work; when every target is done it writes
  `{"done": <epoch seconds>, "targets": N, "failed": [...]}` into the file.

The floor's CSE runs the same ACME as the plugin's: with the seam's fixes that change
what ACME's own resource work costs (`seam.install.lower_acmes_costs`: the TinyDB
indexes, the worker queue, the attribute policy reads), so that
plugin/floor compares the plugin's logic, not ACME with and without those fixes.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.Types import ResourceTypes
from acmecse.resources.CNT import CNT
from acmecse.runtime.EventManager import EventData, eventHandler, eventManager, onEvent
from acmecse.runtime.Logging import Logging as L
from acmecse.runtime.PluginSupport import plugin, requires, start, stop

from acme_swc_plugin.seam.install import lower_acmes_costs

ADMIN = "CAdmin"
SINK = "floor-sink"
SOFTWARE = {"vr": "1.0", "swn": "floorapp", "url": "http://127.0.0.1/packages/app.tar.gz"}
SUCCESSFUL = 1
RUN_LIMIT = 3600.0
"""Seconds a floor run may take before it reports what it has (the benchmark's own limit
is shorter; this only keeps the thread from waiting forever)."""


class FloorRun:
    """The state of the one floor run of this CSE: targets, their subscriptions, done."""

    def __init__(
        self, dispatcher: Any, nodes: list[str], originator: str, threads: int, sink_ri: str
    ):
        self.dispatcher = dispatcher
        self.nodes = nodes
        self.originator = originator
        self.sink_ri = sink_ri
        self.sink_id = f"{RC.cseCsi}/{sink_ri}"
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="floor")
        self.lock = threading.Lock()
        self.target_of: dict[str, str] = {}
        """Subscription ri -> `<node>` ri."""
        self.done: set[str] = set()
        self.failed: list[str] = []
        self.finished = threading.Event()

    def start(self) -> None:
        for node in self.nodes:
            self.pool.submit(self._guarded, self._drive, node)

    def _guarded(self, function, *args) -> None:
        try:
            function(*args)
        except Exception as e:
            L.logErr(f"floor: {function.__name__}{args} failed: {e}", exc=e)
            with self.lock:
                self.failed.append(f"{args}: {e}")
                self._check_finished()

    def _drive(self, node: str) -> None:
        """Create the `[software]`, subscribe to it, set its flag: the campaign's three
        requests per target, with the same bodies and the same originator."""
        software = {"m2m:swr": {"mgd": int(ResourceTypes.SWR), "rn": "floor-1", **SOFTWARE}}
        _, software_ri, _, _ = self.dispatcher.createResourceFromDict(
            software, node, ResourceTypes.MGMTOBJ, self.originator
        )
        subscription = {
            "m2m:sub": {
                "nu": [self.sink_id],
                "su": self.sink_id,
                "nct": 1,
                "enc": {"net": [1, 2], "atr": ["ins"]},
            }
        }
        _, subscription_ri, _, _ = self.dispatcher.createResourceFromDict(
            subscription, software_ri, ResourceTypes.SUB, self.originator
        )
        with self.lock:
            self.target_of[subscription_ri] = node
        self.dispatcher.updateResourceFromDict(
            {"m2m:swr": {"in": True}}, software_ri, originator=self.originator
        )

    def notified(self, notification: dict) -> None:
        """A notification reached the sink: a target may be done."""
        if notification.get("vrq") or notification.get("sud"):
            return
        subscription = notification.get("sur") or ""
        subscription = subscription.rsplit("/", 1)[-1]
        representation = (notification.get("nev") or {}).get("rep") or {}
        software = representation.get("m2m:swr", representation)
        if (software.get("ins") or {}).get("sus") != SUCCESSFUL:
            return
        with self.lock:
            node = self.target_of.get(subscription)
            if node is None or node in self.done:
                return
            self.done.add(node)
            self._check_finished()
        self.pool.submit(self._guarded, self._delete, subscription)

    def _delete(self, subscription_ri: str) -> None:
        self.dispatcher.deleteResource(subscription_ri, originator=self.originator)

    def _check_finished(self) -> None:
        """Caller holds the lock."""
        if len(self.done) + len(self.failed) >= len(self.nodes):
            self.finished.set()


@eventHandler
@plugin(property="floorBenchmark")
@requires(dispatcher="acmecse.services.Dispatcher")
class FloorBenchmarkPlugin:
    """Runs the floor's resource work when the benchmark creates its trigger containers."""

    dispatcher: Any = None
    run: FloorRun | None = None
    result_file: Path | None = None
    _original_handler = None

    @start
    def start(self) -> None:
        # The same ACME as the campaign plugin's CSE (see the module's docstring).
        lower_acmes_costs()
        plugin_self = self
        original = CNT.handleNotification
        FloorBenchmarkPlugin._original_handler = original

        def handle_notification(container, request, originator):  # noqa: ANN001
            run = plugin_self.run
            if run is not None and container.ri == run.sink_ri:
                run.notified((request.pc or {}).get("m2m:sgn") or {})
                return
            return original(container, request, originator)

        CNT.handleNotification = handle_notification

    @stop
    def stop(self) -> None:
        if FloorBenchmarkPlugin._original_handler is not None:
            CNT.handleNotification = FloorBenchmarkPlugin._original_handler
        if self.run is not None:
            self.run.pool.shutdown(wait=False, cancel_futures=True)

    @onEvent(eventManager.createResource)
    def _created(self, event: EventData) -> None:
        resource = event.payload
        if resource.ty != ResourceTypes.CNT or resource.pi != RC.cseRi:
            return
        if resource.rn == "floor-prep":
            self._prepare(dict(label.split("=", 1) for label in resource.lbl or []))
        elif resource.rn == "floor-go" and self.run is not None:
            threading.Thread(target=self._go, name="floor-go", daemon=True).start()

    def _prepare(self, options: dict[str, str]) -> None:
        nodes = [node.ri for node in self.dispatcher.retrieveResourcesByType(ResourceTypes.NOD)]
        self.result_file = Path(options["floor:result"])
        sink, _, _, _ = self.dispatcher.createResourceFromDict(
            {"m2m:cnt": {"rn": SINK}}, RC.cseRi, ResourceTypes.CNT, ADMIN
        )
        self.run = FloorRun(
            self.dispatcher,
            nodes,
            options["floor:originator"],
            int(options.get("floor:parallel", "8")),
            sink.ri,
        )
        self._write({"prepared": len(nodes)})

    def _go(self) -> None:
        run = self.run
        run.start()
        finished = run.finished.wait(RUN_LIMIT)
        ended = time.time()
        with run.lock:
            result = {"done": ended, "targets": len(run.done), "failed": run.failed[:20]}
        if not finished:
            result["timeout"] = RUN_LIMIT
        self._write(result)

    def _write(self, content: dict) -> None:
        partial = self.result_file.with_suffix(".part")
        partial.write_text(json.dumps(content), encoding="utf-8")
        partial.replace(self.result_file)
