"""When may a campaign start: its trigger criteria and its `<schedule>` windows.

TS-0001 10.2.28.2 step 3: the Hosting CSE watches the trigger criteria; once they
hold, the start is buffered until a time window of the campaign's `<schedule>`
children allows it. A campaign without criteria is triggered from the start.

Subjects on this CSE are watched through ACME's resource change events (the engine
looks campaigns up by subject in `subjects`); a subject on another CSE through a
subscription on it whose notifications name the campaign.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from acmecse.etc.IDUtils import localResourceID
from acmecse.etc.ResponseStatusCodes import ResponseException
from acmecse.etc.Types import ResourceTypes
from acmecse.runtime.Logging import Logging as L

from ..core import criteria as rules
from ..core.errors import CronPatternError
from ..core.windows import in_window
from .hidden import TRIGGER_SUBSCRIPTIONS


class Gate:
    """Evaluates trigger criteria and schedule windows, and keeps the watch indexes."""

    def __init__(self, dispatcher: Any, storage: Any) -> None:
        self.dispatcher = dispatcher
        self.storage = storage
        self.subjects: dict[str, set[str]] = defaultdict(set)
        """Local subject `ri` -> campaigns whose criteria name it."""
        self.pending: set[str] = set()
        """Campaigns triggered but outside every window of their schedules."""
        self._lock = threading.Lock()

    def criteria_hold(self, campaign: Any) -> bool:
        """Whether every trigger criterion of `campaign` holds now (True without any)."""
        criteria = campaign.swtc or []
        if not criteria:
            return True
        subjects = {entry["sri"]: self._read(entry["sri"], campaign) for entry in criteria}
        return rules.all_hold(criteria, subjects)

    def _read(self, sri: str, campaign: Any) -> dict | None:
        try:
            return self.dispatcher.retrieveResource(sri, originator=campaign.getOriginator()).dict
        except (ResponseException, AttributeError):
            return None

    def watch(self, campaign: Any, subscribe) -> None:
        """Index the campaign's local subjects; subscribe to remote ones not yet watched.

        `subscribe(sri)` creates the subscription on a remote subject and returns its ID
        or None; the IDs are kept in the campaign's hidden attribute.
        """
        remote = dict(campaign.attribute(TRIGGER_SUBSCRIPTIONS) or {})
        watched_remote = set(remote.values())
        for entry in campaign.swtc or []:
            sri = entry["sri"]
            if localResourceID(sri) is not None or not sri.startswith("/"):
                try:
                    subject = self.dispatcher.retrieveResource(sri)
                except ResponseException:
                    continue
                with self._lock:
                    self.subjects[subject.ri].add(campaign.ri)
            elif sri not in watched_remote and (subscription_id := subscribe(sri)):
                remote[subscription_id] = sri
        if remote != (campaign.attribute(TRIGGER_SUBSCRIPTIONS) or {}):
            campaign.setAttribute(TRIGGER_SUBSCRIPTIONS, remote)
            campaign.dbUpdate()

    def unwatch(self, campaign_ri: str) -> None:
        """Forget the campaign in the local subject index and the pending set."""
        with self._lock:
            for campaigns in self.subjects.values():
                campaigns.discard(campaign_ri)
            self.pending.discard(campaign_ri)

    def watchers_of(self, subject_ri: str) -> list[str]:
        with self._lock:
            return list(self.subjects.get(subject_ri, ()))

    def in_window(self, campaign_ri: str) -> bool:
        """Whether the campaign's schedules (if any) allow a start now."""
        schedules = self.storage.searchScheduleForTarget(campaign_ri)
        try:
            return in_window(schedules, datetime.now(UTC))
        except CronPatternError as e:
            L.logWarn(f"acme-swc: schedule of campaign {campaign_ri} cannot be read: {e}")
            return False

    def hold(self, campaign_ri: str) -> None:
        with self._lock:
            self.pending.add(campaign_ri)

    def release(self, campaign_ri: str) -> None:
        with self._lock:
            self.pending.discard(campaign_ri)

    def held(self) -> list[str]:
        with self._lock:
            return list(self.pending)

    @staticmethod
    def is_schedule(resource: Any) -> bool:
        return resource.ty == ResourceTypes.SCH
