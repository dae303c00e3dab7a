"""The in-memory state of one campaign run, shared by the engine's parts.

While a run is under way its `TargetLedger` is the truth about every target; the
campaign resource is a copy of it that the status writer refreshes. All fields are
read and changed only while holding `lock`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from ..core.ledger import TargetLedger


@dataclass
class Run:
    """One execution of a campaign's operation over all its targets."""

    ri: str
    """The campaign's resource ID on this CSE."""
    number: int
    """Counts the runs of this campaign; names the `[software]` it creates."""
    operation: int
    originator: str
    """The campaign's creator: every target operation is made with this identity."""
    notify_id: str
    """The campaign's SP-relative ID, the notification target of its subscriptions."""
    parents: dict[str, str]
    """Target -> ID of the `<node>` to create the `[software]` under."""
    software: dict[str, str]
    """`[software]` attributes copied from the campaign: `vr`, `swn`, `url`."""
    ledger: TargetLedger
    subscriptions: dict[str, str] = field(default_factory=dict)
    """Target -> ID of the subscription on its `[software]` (SP-relative when remote)."""
    by_subscription: dict[str, str] = field(default_factory=dict)
    """The reverse of `subscriptions`, to find the target of a notification."""
    retiring: set[str] = field(default_factory=set)
    """Subscriptions of terminal targets being deleted; recorded so that a restart
    deletes again what a crash kept."""
    started: set[str] = field(default_factory=set)
    """Targets whose operation flag is set: from then on their deadline runs."""
    attempts: dict[str, tuple[float, int]] = field(default_factory=dict)
    """Target -> (time of its first failed attempt, failed attempts) while retrying."""
    lock: threading.RLock = field(default_factory=threading.RLock)
    cancelled: bool = False
    flush_pending: bool = False
    force_write: bool = False
    """Write even an unchanged ledger: someone else wrote the campaign meanwhile, or a
    subscription is new and must be recorded for a restart."""
    finished: bool = False
    write_cost: float = 0.0
    """CPU seconds the last write of the campaign took (it grows with the targets)."""

    def add_subscription(self, target: str, subscription_id: str) -> None:
        """Route `subscription_id`'s notifications to `target`; the next write records it."""
        if self.subscriptions.get(target) != subscription_id:
            self.force_write = True
        self.subscriptions[target] = subscription_id
        self.by_subscription[subscription_id] = target

    def drop_subscription(self, target: str) -> str | None:
        """Forget `target`'s subscription; return its ID for deletion, if it had one."""
        subscription_id = self.subscriptions.pop(target, None)
        if subscription_id is not None:
            self.by_subscription.pop(subscription_id, None)
        return subscription_id
