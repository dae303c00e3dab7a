"""The per-campaign table of targets: which `[software]` serves each one, and its status.

A campaign's run keeps one `TargetLedger`. Every lookup (by target, by `[software]`
ID) is a dict access and the count per status is kept up to date, so a status change
costs constant time and a whole run costs time linear in the number of targets. A
version counter tells a writer whether the table changed since it last wrote it, so
many status changes can be coalesced into one write of the campaign resource.

Thread safety is the caller's: the ledger takes no lock, and whoever holds the
campaign's lock (e.g. ACME's resource critical section) may call it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from . import status as rules
from ._values import (
    ERROR,
    IN_PROGRESS,
    NOT_YET_STARTED,
    SOFTWARE_RESOURCE_ID,
    SOFTWARE_STATUS,
    TARGET,
    Operation,
    Status,
)


@dataclass(frozen=True)
class TargetEntry:
    """One row of the ledger, as a read-only value."""

    target: str
    software_id: str | None
    status: IntEnum


class TargetLedger:
    """The targets of one campaign run, in the order of `softwareTargets`.

    First terminal answer wins: once a target is terminal (its operation's success or
    ERROR), later changes are ignored, so a device that answers twice, or reports
    success after a failure or a timeout, cannot rewrite a decided target.
    """

    def __init__(self, operation: int, targets: Iterable[str]) -> None:
        """Start a run: every target NOT_YET_STARTED, without a `[software]`.

        A new ledger is dirty, since its table was never written. Raises `ValueError`
        for a repeated target or an unknown operation.
        """
        self._operation = Operation(operation)
        self._status: dict[str, IntEnum] = {}
        self._software: dict[str, str] = {}
        self._by_software: dict[str, str] = {}
        self._reasons: dict[str, str] = {}
        self._counts: dict[IntEnum, int] = rules.counts(())
        for target in targets:
            if target in self._status:
                raise ValueError(f"target {target!r} is listed twice")
            self._status[target] = NOT_YET_STARTED
            self._counts[NOT_YET_STARTED] += 1
        self._version = 1
        self._written = 0

    @classmethod
    def from_attribute(cls, operation: int, inss: Sequence[Mapping[str, object]]) -> TargetLedger:
        """Rebuild a ledger from a stored `individualSoftwareStatus`, e.g. after a restart.

        Each entry needs `tgt` (a string) and `swst` (a status number), and may have
        `swri` (a string). The rebuilt ledger is clean: it is what the resource holds.
        Error reasons are not stored in the attribute and are therefore not restored.
        Raises `ValueError` for a malformed or repeated entry.
        """
        ledger = cls(operation, ())
        for index, entry in enumerate(inss):
            target, software_id, status = _parse_entry(index, entry)
            if target in ledger._status:
                raise ValueError(f"inss[{index}]: target {target!r} is listed twice")
            ledger._status[target] = NOT_YET_STARTED
            ledger._counts[NOT_YET_STARTED] += 1
            if software_id is not None:
                ledger._link(target, software_id)
            ledger._set(target, status)
        ledger._written = ledger._version
        return ledger

    @property
    def operation(self) -> IntEnum:
        return self._operation

    @property
    def targets(self) -> list[str]:
        return list(self._status)

    def __len__(self) -> int:
        return len(self._status)

    def __contains__(self, target: object) -> bool:
        return target in self._status

    def entry(self, target: str) -> TargetEntry:
        """Return the row of `target`; `KeyError` when it is not a target of this run."""
        return TargetEntry(target, self._software.get(target), self._status[target])

    def target_of(self, software_id: str) -> str | None:
        """Return the target a `[software]` was created for, or None if it is not ours."""
        return self._by_software.get(software_id)

    def error_reason(self, target: str) -> str | None:
        """Return why `mark_error` failed `target` during this process's life, if it did."""
        return self._reasons.get(target)

    def unfinished(self) -> list[str]:
        """Return the targets that are not terminal yet, in target order (a full scan)."""
        return [t for t, s in self._status.items() if not rules.is_terminal(s)]

    def software_links(self) -> list[str]:
        """Return the `[software]` IDs, in target order: the campaign's `softwareLinks`."""
        return [self._software[t] for t in self._status if t in self._software]

    def link(self, target: str, software_id: str) -> bool:
        """Record the `[software]` created for `target`; return whether anything changed.

        A target that has not started becomes IN_PROGRESS; a terminal one keeps its
        status but still records the ID, so the `[software]` is listed and can be
        cleaned up. Raises `KeyError` for an unknown target and `ValueError` when the
        target already has another `[software]` or the ID serves another target.
        """
        if target not in self._status:
            raise KeyError(f"{target!r} is not a target of this campaign")
        if self._software.get(target) == software_id:
            return False
        self._link(target, software_id)
        if self._status[target] == NOT_YET_STARTED:
            self._set(target, IN_PROGRESS)
        else:
            self._version += 1
        return True

    def apply(self, software_id: str, new_status: int) -> bool:
        """Set the status reported by `[software]` `software_id`; return whether it changed.

        Ignored (False) when the target is already terminal or has that status.
        Raises `KeyError` for an ID this ledger did not link and `ValueError` for
        NOT_YET_STARTED, which a target with a `[software]` has left for good.
        """
        target = self._by_software.get(software_id)
        if target is None:
            raise KeyError(f"[software] {software_id!r} is not linked to this campaign")
        status = Status(new_status)
        if status == NOT_YET_STARTED:
            raise ValueError("a target with a [software] cannot go back to NOT_YET_STARTED")
        return self._change(target, status)

    def mark_error(self, target: str, reason: str) -> bool:
        """Fail `target` for `reason` (kept for logs); return whether it changed.

        Ignored (False) when the target is already terminal. Raises `KeyError` for an
        unknown target.
        """
        if target not in self._status:
            raise KeyError(f"{target!r} is not a target of this campaign")
        changed = self._change(target, ERROR)
        if changed:
            self._reasons[target] = reason
        return changed

    def to_attribute(self) -> list[dict[str, object]]:
        """Return `individualSoftwareStatus`: one `{tgt, swri, swst}` per target, in order.

        `swri` is absent for a target without a `[software]`.
        """
        result: list[dict[str, object]] = []
        for target, status in self._status.items():
            entry: dict[str, object] = {TARGET: target}
            if target in self._software:
                entry[SOFTWARE_RESOURCE_ID] = self._software[target]
            entry[SOFTWARE_STATUS] = int(status)
            result.append(entry)
        return result

    def aggregate(self) -> IntEnum:
        """Return the aggregated status by the rule of `status.aggregate`, in constant time."""
        return rules.aggregate_counts(self._operation, self._counts)

    def counts(self) -> dict[IntEnum, int]:
        """Return the number of targets per status (every status present)."""
        return dict(self._counts)

    @property
    def version(self) -> int:
        """A number that grows with every change of the table."""
        return self._version

    @property
    def dirty(self) -> bool:
        """Whether the table changed since the version last passed to `mark_written`."""
        return self._version != self._written

    def mark_written(self, version: int) -> None:
        """Record that the table as of `version` (read before writing) is in the resource.

        Changes made while the write was under way keep the ledger dirty.
        """
        self._written = max(self._written, version)

    def _change(self, target: str, status: IntEnum) -> bool:
        current = self._status[target]
        if rules.is_terminal(current) or current == status:
            return False
        self._set(target, status)
        return True

    def _set(self, target: str, status: IntEnum) -> None:
        self._counts[self._status[target]] -= 1
        self._counts[status] += 1
        self._status[target] = status
        self._version += 1

    def _link(self, target: str, software_id: str) -> None:
        if target in self._software:
            raise ValueError(f"target {target!r} already has [software] {self._software[target]!r}")
        owner = self._by_software.get(software_id)
        if owner is not None:
            raise ValueError(f"[software] {software_id!r} already serves target {owner!r}")
        self._software[target] = software_id
        self._by_software[software_id] = target


def _parse_entry(index: int, entry: object) -> tuple[str, str | None, IntEnum]:
    where = f"inss[{index}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where} is not an object")

    target = entry.get(TARGET)
    if not isinstance(target, str) or not target:
        raise ValueError(f"{where} has no {TARGET}")
    software_id = entry.get(SOFTWARE_RESOURCE_ID)
    if software_id is not None and not isinstance(software_id, str):
        raise ValueError(f"{where} has a {SOFTWARE_RESOURCE_ID} that is not a string")

    number = entry.get(SOFTWARE_STATUS)
    if not isinstance(number, int) or isinstance(number, bool):
        raise ValueError(f"{where} has no numeric {SOFTWARE_STATUS}")
    return target, software_id, Status(number)
