"""The real agent: carries out `[software]` operations on this machine's file system.

Install downloads the `[software]`'s `url`, checks it and unpacks it into
`<packages>/<swn>/<vr>/`; uninstall removes that folder; activate points
`<packages>/<swn>/current` at it; deactivate removes that link (see `package_io`).
`<packages>` is the `agentPackagesDir` setting, relative to ACME's runtime directory,
with `{node}` replaced by the `<node>`'s resource name.

Work runs on a pool of `agentWorkers` threads, never on ACME's event threads. Per
`[software]` one operation runs at a time, as in the simulated mode: it is reported
"in process" when a worker takes it up, then successful or failed, and the next flag
still set is taken up. Work on one software folder is serialised across `[software]`
resources, so two `<node>`s sharing a packages folder never unpack over each other.
A failure is reported as `sus` 2 with one WARNING line that says why.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from acmecse.runtime.Logging import Logging as L

from . import package_io
from .operations import (
    ACTIVATE,
    DEACTIVATE,
    INSTALL,
    Operation,
    finish_changes,
    pending,
    start_changes,
)
from .package_rules import PackageError, check_component, parse_source

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..settings import Settings
    from .adapter import SoftwareStore

THREAD_PREFIX = "swcagent-real"


class RealAgent:
    """Reacts to `[software]` changes by installing packages under `base_dir`.

    `store` is the ACME access, `settings` the plugin's settings, `base_dir` ACME's
    runtime directory (a relative `agentPackagesDir` is taken from there). Call
    `start()` to accept work and `stop()` to end it; a stopped agent ignores changes,
    stops downloads at their next chunk and reports nothing more. Thread-safe.
    """

    def __init__(self, store: SoftwareStore, settings: Settings, base_dir: Path) -> None:
        self._store = store
        self._settings = settings
        self._base_dir = Path(base_dir)
        self._lock = threading.Lock()
        self._generation = 0
        """Raised by every stop(): work of an older generation reports nothing."""
        self._accepting = False
        self._executor: ThreadPoolExecutor | None = None
        self._busy: set[str] = set()
        self._again: set[str] = set()
        """`[software]` changed while busy: read their flags again before letting go."""
        self._folder_locks: dict[Path, threading.Lock] = {}

    def start(self) -> None:
        """Accept work, and take up the operations that stored `[software]` still ask for.

        An operation that was in process when the CSE stopped is carried out again.
        """
        with self._lock:
            self._accepting = True
            self._executor = ThreadPoolExecutor(
                max_workers=self._settings.agent_workers, thread_name_prefix=THREAD_PREFIX
            )
        for ri in self._store.with_pending_operation():
            self.software_changed(ri)

    def stop(self) -> None:
        """Stop accepting work; queued work is dropped and running work reports nothing."""
        with self._lock:
            self._accepting = False
            self._generation += 1
            executor, self._executor = self._executor, None
            self._busy.clear()
            self._again.clear()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def software_changed(self, ri: str) -> None:
        """Queue the operations the `[software]` `ri` asks for; returns at once."""
        with self._lock:
            if not self._accepting or self._executor is None:
                return
            if ri in self._busy:
                self._again.add(ri)
                return
            self._busy.add(ri)
            self._executor.submit(self._work, ri, self._generation)

    def _work(self, ri: str, generation: int) -> None:
        """Worker: carry out the `[software]`'s operations one after the other."""
        try:
            while self._is_current(generation):
                carried_out = self._carry_out(ri, generation)
                with self._lock:
                    asked_again = ri in self._again
                    self._again.discard(ri)
                    if not carried_out and not asked_again:
                        self._busy.discard(ri)
                        return
        except TimeoutError:
            L.logWarn(f"swcagent: [software] {ri} stayed locked, its operation was not reported")
        except Exception as e:  # a worker must never die silently
            L.logErr(f"swcagent: operation of [software] {ri} stopped unexpectedly: {e}", exc=e)
        with self._lock:
            if generation == self._generation:
                self._busy.discard(ri)

    def _carry_out(self, ri: str, generation: int) -> bool:
        """Carry out the first operation `ri` asks for; False when there was none to do."""
        if (software := self._store.read(ri)) is None:
            return False
        if (operation := pending(software.dict)) is None:
            return False
        if (node := self._store.node_name(software)) is None:
            return False
        if not self._store.apply(ri, lambda attributes: start_changes(attributes, operation)):
            return False

        attributes = software.dict
        try:
            self._perform(operation, attributes, node, generation)
            succeeded = True
        except PackageError as e:
            succeeded = False
            if self._is_current(generation):
                L.logWarn(
                    f"swcagent: {operation.name} of {attributes.get('swn')} "
                    f"{attributes.get('vr')} for [software] {ri} failed: {e}"
                )

        if not self._is_current(generation):
            return False
        self._store.apply(ri, lambda _: finish_changes(operation, succeeded))
        return True

    def _perform(
        self, operation: Operation, attributes: Mapping, node: str, generation: int
    ) -> None:
        """Do the file work of `operation`; raise PackageError when it cannot be done."""
        root = self._packages_dir(node)
        name, version = attributes.get("swn"), attributes.get("vr")
        target = package_io.version_dir(root, name, version)

        with self._folder_lock(target.parent):
            if operation is INSTALL:
                source = parse_source(attributes.get("url"))
                s = self._settings
                path = package_io.install(
                    source,
                    root,
                    name,
                    version,
                    timeout=s.agent_download_timeout,
                    max_bytes=s.agent_max_download_bytes,
                    max_unpacked_bytes=s.agent_max_unpacked_bytes,
                    cancelled=lambda: not self._is_current(generation),
                )
                L.isInfo and L.log(f"swcagent: installed {name} {version} into {path}")
            elif operation is ACTIVATE:
                link = package_io.activate(root, name, version)
                L.isInfo and L.log(f"swcagent: activated {name} {version} ({link})")
            elif operation is DEACTIVATE:
                was_active = package_io.deactivate(root, name, version)
                L.isInfo and L.log(
                    f"swcagent: deactivated {name} {version}"
                    + ("" if was_active else " (it was not the active version)")
                )
            else:
                removed = package_io.uninstall(root, name, version)
                L.isInfo and L.log(
                    f"swcagent: uninstalled {name} {version} ({target})"
                    + ("" if removed else " (it was not installed)")
                )

    def _packages_dir(self, node: str) -> Path:
        configured = self._settings.agent_packages_dir
        if "{node}" in configured:
            configured = configured.format(node=check_component(node, "<node> name"))
        return self._base_dir / configured  # an absolute setting stays as it is

    def _folder_lock(self, folder: Path) -> threading.Lock:
        with self._lock:
            return self._folder_locks.setdefault(folder, threading.Lock())

    def _is_current(self, generation: int) -> bool:
        with self._lock:
            return generation == self._generation
