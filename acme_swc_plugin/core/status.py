"""Status rules: from a `[software]`'s report to a target's status, and from the targets'
statuses to the campaign's aggregated status.

Statuses and operations are members of the protocol enumerations (see `protocol`);
the functions accept plain integers too and raise `ValueError` for a number that is not
a member. Nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum

from ._values import (
    ACTIVATE,
    ACTIVATED,
    DEACTIVATE,
    DEACTIVATED,
    ERROR,
    IN_PROGRESS,
    INSTALL,
    INSTALLED,
    NOT_YET_STARTED,
    UNINSTALL,
    UNINSTALLED,
    Operation,
    Status,
)


class ActionStatus(IntEnum):
    """The `sus` member of a `[software]`'s `ins` and `acts`: TS-0004's `m2m:status`.

    These are ACME's values (its `enumTypesPolicies.ep`), not ours, which is why they
    are spelled out here rather than read from `init/`.
    """

    UNINITIALIZED = 0
    SUCCESSFUL = 1
    FAILURE = 2
    IN_PROCESS = 3


_SUCCESS = {
    INSTALL: INSTALLED,
    UNINSTALL: UNINSTALLED,
    ACTIVATE: ACTIVATED,
    DEACTIVATE: DEACTIVATED,
}
_UNFINISHED = frozenset({NOT_YET_STARTED, IN_PROGRESS})


def success_status(operation: int) -> IntEnum:
    """Return the status a target reaches when `operation` succeeded on it."""
    return _SUCCESS[Operation(operation)]


def is_terminal(status: int) -> bool:
    """Say whether `status` is final for a run: success of any operation, or ERROR."""
    return Status(status) not in _UNFINISHED


def status_from_software(
    operation: int, ins: Mapping[str, object] | None, acts: Mapping[str, object] | None
) -> IntEnum:
    """Map a `[software]`'s `ins` (installStatus) and `acts` (activeStatus) to a status.

    Only the attribute that `operation` acts on counts: `ins` for INSTALL and UNINSTALL,
    `acts` for ACTIVATE and DEACTIVATE. Its `sus` SUCCESSFUL gives the operation's
    success status (e.g. INSTALLED), FAILURE gives ERROR, and UNINITIALIZED, IN_PROCESS,
    an absent attribute or an unknown value give IN_PROGRESS: the target is still
    running, and the per-target deadline turns a target that never answers into ERROR.
    """
    operation = Operation(operation)
    report = ins if operation in (INSTALL, UNINSTALL) else acts
    sus = report.get("sus") if isinstance(report, Mapping) else None
    if not isinstance(sus, int) or isinstance(sus, bool):
        return IN_PROGRESS

    if sus == ActionStatus.SUCCESSFUL:
        return _SUCCESS[operation]
    if sus == ActionStatus.FAILURE:
        return ERROR
    return IN_PROGRESS


def counts(individual: Iterable[int]) -> dict[IntEnum, int]:
    """Count the targets per status, for a progress display.

    Every status appears as a key, in the enumeration's order, zero when no target has
    it, so a display can show a stable set of columns.
    """
    result: dict[IntEnum, int] = dict.fromkeys(Status, 0)
    for status in individual:
        result[Status(status)] += 1
    return result


def aggregate_counts(operation: int, per_status: Mapping[int, int]) -> IntEnum:
    """Aggregate from the number of targets per status; see `aggregate` for the rule.

    Taking counts rather than the statuses lets a caller that keeps counts up to date
    aggregate in constant time after each change.
    """
    success = success_status(operation)
    total = sum(per_status.values())
    waiting = per_status.get(NOT_YET_STARTED, 0)
    running = per_status.get(IN_PROGRESS, 0)

    if waiting == total:
        return NOT_YET_STARTED
    if waiting or running:
        return IN_PROGRESS
    if per_status.get(success, 0) == total:
        return success
    return ERROR


def aggregate(operation: int, individual: Iterable[int]) -> IntEnum:
    """Aggregate the targets' statuses into the campaign's `aggregatedSoftwareStatus`.

    The rule:
    - no target, or no target has started yet: NOT_YET_STARTED;
    - some target has started and some target is not terminal: IN_PROGRESS, even when
      another target already failed, so the campaign stays locked while it still acts;
    - every target is terminal: the operation's success status when every target
      reached it, otherwise ERROR. A terminal status of another operation (left over
      from a previous run) is not a success of this one and also gives ERROR.
    """
    return aggregate_counts(operation, counts(individual))
