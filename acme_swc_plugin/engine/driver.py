"""ACME requests made for one target: the `[software]`, its subscription, the operation.

Every request is made through the dispatcher with the campaign creator's identity, so
ACME's access control on this CSE and on a registree CSE decides what a campaign may
do (TS-0001 10.2.28.2 steps 5 and 6). A target on another CSE is addressed by its
SP-relative ID and the dispatcher forwards the request. Failures are returned as a
reason text, never raised: a failing target becomes ERROR and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.IDUtils import localResourceID
from acmecse.etc.ResponseStatusCodes import (
    CONFLICT,
    NOT_FOUND,
    ResponseException,
    ResponseStatusCode,
)
from acmecse.etc.Types import CSERequest, Operation, ResourceTypes, ResultContentType
from acmecse.runtime import CSE

from ..core._values import ACTIVATE, DEACTIVATE, INSTALL, UNINSTALL
from .repair import CrashRepair

SOFTWARE_MGD = int(ResourceTypes.SWR)
SHORT_TYPES = {"m2m:swr": ResourceTypes.MGMTOBJ, "m2m:sub": ResourceTypes.SUB}
FLAG = {INSTALL: "in", UNINSTALL: "un", ACTIVATE: "act", DEACTIVATE: "dea"}
"""The `[software]` attribute that starts each operation."""
REPORT = {INSTALL: "ins", UNINSTALL: "ins", ACTIVATE: "acts", DEACTIVATE: "acts"}
"""The `[software]` attribute that reports each operation's progress."""


@dataclass(frozen=True)
class Outcome:
    """The result of one request: the ID it produced, or why it failed and whether
    trying again later may succeed (the target's CSE unreachable, a timeout, 5xxx)."""

    resource_id: str | None = None
    error: str | None = None
    transient: bool = False
    existed: bool = False
    """The resource was there already (made before a restart), not created now."""


TRANSIENT_CODES = frozenset(
    {ResponseStatusCode.REQUEST_TIMEOUT, ResponseStatusCode.TARGET_NOT_REACHABLE}
)
"""Answers that may pass; besides them every 4xxx is final, and every 5xxx but
`FINAL_CODES` may pass."""
FINAL_CODES = frozenset(
    {
        ResponseStatusCode.NOT_IMPLEMENTED,
        ResponseStatusCode.RECEIVER_HAS_NO_PRIVILEGES,
        ResponseStatusCode.ALREADY_EXISTS,
        ResponseStatusCode.TARGET_NOT_SUBSCRIBABLE,
        ResponseStatusCode.SUBSCRIPTION_HOST_HAS_NO_PRIVILEGE,
        ResponseStatusCode.NOT_ACCEPTABLE,
    }
)
"""5xxx answers that say no for good: asking again gives the same answer."""


def _reason(error: Exception) -> str:
    if isinstance(error, ResponseException):
        return f"{error.rsc.name} ({int(error.rsc)}): {error.dbg}"
    if isinstance(error, AttributeError):  # ACME's answer for an unreachable remote CSE
        return "the CSE hosting the target is not reachable"
    return f"{type(error).__name__}: {error}"


def _global_id(resource_id: str, csi: str) -> str:
    """The ID under which another CSE's resource is stored in the campaign (SP-relative)."""
    if csi and csi != RC.cseCsi and not resource_id.startswith("/"):
        return f"{csi}/{resource_id}"
    return resource_id


class TargetDriver:
    """Makes the requests for the targets of campaign runs.

    `registered` answers the CSE-IDs of the registree and registrar CSEs this CSE can
    reach now: a NOT_FOUND for a resource on a CSE that is not among them means that
    CSE is away, not that the resource does not exist.
    """

    def __init__(self, dispatcher: Any, storage: Any, registered: Callable[[], set[str]]) -> None:
        self.dispatcher = dispatcher
        self.registered = registered
        self.repair = CrashRepair(dispatcher, storage)

    def _failed(self, what: str, resource_id: str, error: Exception) -> Outcome:
        return Outcome(
            error=f"{what}: {_reason(error)}", transient=self._transient(error, resource_id)
        )

    def _transient(self, error: Exception, resource_id: str) -> bool:
        if isinstance(error, AttributeError):  # ACME's answer for an unreachable remote CSE
            return True
        if not isinstance(error, ResponseException):
            return False
        if error.rsc in TRANSIENT_CODES or (
            int(error.rsc) >= 5000 and error.rsc not in FINAL_CODES
        ):
            return True
        if error.rsc == ResponseStatusCode.NOT_FOUND and resource_id.startswith("/"):
            host = "/" + resource_id.split("/")[1]
            return host != RC.cseCsi and host not in self.registered()
        return False

    def create_software(
        self, parent: str, name: str, software: dict, originator: str, retry: bool = True
    ) -> Outcome:
        """Create `[software]` `name` under the `<node>` `parent` (10.2.28.2 step 5)."""
        body = {"m2m:swr": {"mgd": SOFTWARE_MGD, "rn": name, **software}}
        try:
            _, ri, csi, _ = self.dispatcher.createResourceFromDict(
                body, parent, ResourceTypes.MGMTOBJ, originator
            )
        except CONFLICT as e:
            # Created before a restart but not yet recorded: take the same one over. One
            # that the crash left half-written is removed by find_child; create it again.
            found = self.find_child(
                parent, "m2m:swr", lambda child: child.get("rn") == name, originator
            )
            if found.resource_id is not None:
                return Outcome(resource_id=found.resource_id, existed=True)
            if found.error is None and retry:
                return self.create_software(parent, name, software, originator, retry=False)
            return self._failed(f"[software] not created under {parent}", parent, e)
        except Exception as e:  # any failure is this target's, never the campaign's
            return self._failed(f"[software] not created under {parent}", parent, e)
        return Outcome(resource_id=_global_id(ri, csi))

    def find_child(
        self, parent: str, short_name: str, wanted: Callable[[dict], bool], originator: str
    ) -> Outcome:
        """The ID of the first direct child of `parent` of type `short_name` (`m2m:sub`,
        `m2m:swr`) for which `wanted(attributes)` holds; no ID when there is none.

        A local parent's children are read from storage, and a wanted one that a crash
        left half-written is removed instead (see `repair`); a registree's are asked for
        with one RETRIEVE (`rcn` 8, child resources) in the originator's name.
        """
        try:
            if (ri := localResourceID(parent)) is not None:
                return self._local_child(ri, short_name, wanted)
            children = self._remote_children(parent, short_name, originator)
        except Exception as e:
            return self._failed(f"children of {parent} not readable", parent, e)
        csi = "/" + parent.split("/")[1]
        for child in children:
            if wanted(child):
                return Outcome(resource_id=_global_id(child["ri"], csi))
        return Outcome()

    def _local_child(self, parent_ri: str, short_name: str, wanted: Callable) -> Outcome:
        for child in self.dispatcher.retrieveDirectChildResources(
            parent_ri, SHORT_TYPES[short_name]
        ):
            if not wanted(child.dict):
                continue
            if not self.repair.half_written(child):
                return Outcome(resource_id=child.ri)
            self.repair.discard(child, "left half-written by a crash")
        return Outcome()

    @staticmethod
    def _remote_children(parent: str, short_name: str, originator: str) -> list[dict]:
        request = CSERequest(
            op=Operation.RETRIEVE,
            to=parent,
            originator=originator,
            rcn=ResultContentType.childResources,
        )
        result = CSE.request.handleSendRequest(request)[0].result
        if result.rsc != ResponseStatusCode.OK:
            raise ResponseException(result.rsc, dbg=str(result.data or ""))
        tree = next(iter((result.data or {}).values()), {})
        return list(tree.get(short_name) or [])

    def subscribe(self, software_id: str, operation: int, notify_id: str, originator: str):
        """Subscribe the campaign to changes of the report attribute and to deletion."""
        body = {
            "m2m:sub": {
                "nu": [notify_id],
                "su": notify_id,
                "nct": 1,
                "enc": {"net": [1, 2], "atr": [REPORT[operation]]},
            }
        }
        try:
            _, ri, csi, _ = self.dispatcher.createResourceFromDict(
                body, software_id, ResourceTypes.SUB, originator
            )
        except Exception as e:
            return self._failed(f"subscription to {software_id} refused", software_id, e)
        return Outcome(resource_id=_global_id(ri, csi))

    def subscribe_changes(self, resource_id: str, notify_id: str, originator: str) -> Outcome:
        """Subscribe the campaign to every update of a remote trigger subject."""
        body = {"m2m:sub": {"nu": [notify_id], "nct": 1, "enc": {"net": [1]}}}
        try:
            _, ri, csi, _ = self.dispatcher.createResourceFromDict(
                body, resource_id, ResourceTypes.SUB, originator
            )
        except Exception as e:
            return self._failed(f"subscription to {resource_id} refused", resource_id, e)
        return Outcome(resource_id=_global_id(ri, csi))

    def start_operation(self, software_id: str, operation: int, originator: str) -> Outcome:
        """Set `in`, `un`, `act` or `dea` to true (10.2.28.2 step 6)."""
        body = {"m2m:swr": {FLAG[operation]: True}}
        try:
            self.dispatcher.updateResourceFromDict(body, software_id, originator=originator)
        except Exception as e:
            return self._failed(f"{FLAG[operation]} not set on {software_id}", software_id, e)
        return Outcome(resource_id=software_id)

    def read_software(self, software_id: str, originator: str) -> tuple[dict | None, Outcome]:
        """The `[software]`'s attributes, or None and the failure."""
        try:
            resource = self.dispatcher.retrieveResource(software_id, originator=originator)
        except Exception as e:
            return None, self._failed(f"{software_id} not readable", software_id, e)
        return resource.dict, Outcome(resource_id=software_id)

    def delete(self, resource_id: str, originator: str) -> str | None:
        """Delete a resource the campaign created; return why it failed, or None."""
        try:
            self.dispatcher.deleteResource(resource_id, originator=originator)
        except NOT_FOUND:
            return None
        except Exception as e:
            return _reason(e)
        return None

    @staticmethod
    def is_local(resource_id: str) -> bool:
        return localResourceID(resource_id) is not None
