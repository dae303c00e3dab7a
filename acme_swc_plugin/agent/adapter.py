"""The agent's access to ACME: reading `[software]` and `<node>`s, writing their status.

The status attributes of a `[software]` (`ins`, `acts`) and its trigger flags cannot be
changed by a request once set this way (`ins`/`acts` are NP), so the agent writes them
from inside the CSE, as the Hosting CSE's own device management would. Every write
re-reads the resource from storage inside the resource's critical section and goes
through `Resource.update()`, which runs ACME's subscription checks: subscribers to
`ins`/`acts` (a campaign on this or another CSE) are notified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.ResponseStatusCodes import NOT_FOUND
from acmecse.etc.Types import ResourceTypes
from acmecse.helpers.ResourceSemaphore import CriticalSection
from acmecse.runtime.Logging import Logging as L

from .operations import OPERATIONS

if TYPE_CHECKING:
    from acmecse.resources.Resource import Resource
    from acmecse.runtime.Storage import Storage

SOFTWARE_NAME = "m2m:swr"
LOCK_TIMEOUT = 10.0
"""Seconds to wait for another writer of the same `[software]` before giving up."""


def is_software(resource: Resource | None) -> bool:
    """Say whether `resource` is a `[software]` stored on this CSE (not an announcement)."""
    return (
        resource is not None
        and resource.ty == ResourceTypes.MGMTOBJ
        and resource.mgd == ResourceTypes.SWR
    )


class SoftwareStore:
    """Reads and writes `[software]` resources through ACME's storage.

    `storage` is ACME's injected `Storage`. No method raises for a `[software]` (or its
    `<node>`) deleted meanwhile: they answer None instead.
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def read(self, ri: str) -> Resource | None:
        """The stored `[software]` with resource ID `ri`, or None when it is gone."""
        try:
            resource = self._storage.retrieveResource(ri=ri)
        except NOT_FOUND:
            return None
        return resource if is_software(resource) else None

    def node_labels(self, software: Resource) -> list[str] | None:
        """The labels (`lbl`) of the `<node>` hosting `software`; None when it is gone."""
        try:
            node = self._storage.retrieveResource(ri=software.pi)
        except NOT_FOUND:
            return None
        return list(node.lbl or [])

    def node_name(self, software: Resource) -> str | None:
        """The resource name (`rn`) of the `<node>` hosting `software`; None when it is gone."""
        try:
            node = self._storage.retrieveResource(ri=software.pi)
        except NOT_FOUND:
            return None
        return node.rn

    def with_pending_operation(self) -> list[str]:
        """Resource IDs of the stored `[software]` with a trigger flag set."""
        found = self._storage.searchByFragment(
            {"ty": int(ResourceTypes.MGMTOBJ), "mgd": int(ResourceTypes.SWR)}
        )
        return [r.ri for r in found if any(r.attribute(op.flag) is True for op in OPERATIONS)]

    def apply(self, ri: str, changes_for: Callable[[Mapping], dict | None]) -> bool:
        """Write the changes that `changes_for` computes from the stored attributes.

        `changes_for` gets the freshly read attributes and returns the attributes to
        set (short names), or None to write nothing. The write is made with the CSE's
        own identity and without the request checks (these attributes are NP), and
        fires ACME's change event too, so `<action>`s on the `[software]` are evaluated
        as for an UPDATE request. Returns True when something was written, False when
        nothing was or the `[software]` is gone. Raises TimeoutError when the resource
        stays locked for `LOCK_TIMEOUT` seconds.
        """
        with CriticalSection(ri, timeout=LOCK_TIMEOUT):
            if (software := self.read(ri)) is None:
                return False
            if not (changes := changes_for(software.dict)):
                return False

            try:
                software.update(
                    {SOFTWARE_NAME: changes}, originator=RC.cseCsi, doValidateAttributes=False
                )
            except NOT_FOUND:
                return False  # deleted while it was being written
            software.dbUpdate(True)

        L.isDebug and L.logDebug(f"swcagent: {ri} updated with {changes}")
        return True
