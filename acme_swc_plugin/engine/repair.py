"""Repair what a crash of this CSE left of the engine's own `[software]` and subscriptions.

ACME's TinyDB database writes its files from memory every `writeDelay` seconds, one file
after the other, also in the middle of a request. A CSE killed right after such a write
can keep, of the resources a campaign made on this CSE:

- a resource stored by the first step of its CREATE, before its creation time and
  creator were set: nobody may use it, since ACME grants access to a resource without
  ACPs to its creator only;
- a `<subscription>` stored as a resource but not in ACME's notification table, which
  never notifies;
- a `[software]` whose count of subscriptions (ACME's `__subCtr__`, kept in the
  `[software]` itself) was not raised for its subscription: ACME skips every
  notification of a resource whose count is 0.

These are repaired as the CSE itself, not in the campaign creator's name, since the
creator could not do it; only resources of the campaign's own run are looked at, and
only on this CSE (a registree did not crash with it). Everything is removed from
storage directly: ACME's own DELETE would run the resource's deactivation, which for a
subscription lowers a count that a half-written one never raised.
"""

from __future__ import annotations

from typing import Any

from acmecse.etc.Constants import Constants
from acmecse.etc.IDUtils import localResourceID
from acmecse.etc.ResponseStatusCodes import NOT_FOUND, ResponseException
from acmecse.etc.Types import ResourceTypes
from acmecse.runtime.Logging import Logging as L


class CrashRepair:
    """Finds and mends half-stored resources of the engine's on this CSE."""

    def __init__(self, dispatcher: Any, storage: Any) -> None:
        self.dispatcher = dispatcher
        self.storage = storage

    @staticmethod
    def half_written(resource: Any) -> bool:
        """Whether the resource lacks what every finished CREATE sets."""
        return not (resource.ct and resource.getOriginator())

    def discard(self, resource: Any, why: str) -> None:
        """Remove a broken resource and its notification entry from storage."""
        L.isDebug and L.logDebug(f"acme-swc: removing {resource.ri}, {why}")
        removals = [self.storage.deleteResource]
        if resource.ty == ResourceTypes.SUB:
            removals.append(self.storage.removeSubscription)
        for remove in removals:
            try:
                remove(resource)
            except NOT_FOUND:
                pass  # that part was never stored

    def broken_subscription(self, subscription_id: str) -> Any:
        """The local `<subscription>` if ACME would not notify through it, else None
        (also for a registree's subscription, which is taken as its CSE reports it)."""
        if (ri := localResourceID(subscription_id)) is None:
            return None
        try:
            subscription = self.dispatcher.retrieveLocalResource(ri)
        except ResponseException:
            return None  # gone: the run learns it from the [software] and subscribes anew
        if self.half_written(subscription) or self.storage.getSubscription(ri) is None:
            return subscription
        return None

    def recount_subscriptions(self, software_id: str) -> None:
        """Set a local `[software]`'s subscription count to its stored subscriptions."""
        if (ri := localResourceID(software_id)) is None:
            return
        try:
            software = self.dispatcher.retrieveLocalResource(ri)
        except ResponseException:
            return
        stored = [
            child.ri
            for child in self.dispatcher.retrieveDirectChildResources(ri, ResourceTypes.SUB)
            if self.storage.getSubscription(child.ri) is not None
        ]
        if software.getSubscriptionCounter() != len(stored):
            L.isDebug and L.logDebug(f"acme-swc: {ri} has {len(stored)} subscriptions")
            software.setAttribute(Constants.attrSubscriptionCounter, len(stored))
            software.dbUpdate()
