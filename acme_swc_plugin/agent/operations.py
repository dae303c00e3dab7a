"""The four operations a device carries out on a `[software]`, and the changes they make.

A `[software]` (ACME's mgmtObj with `mgd` 1002) is asked to act by setting one of its
trigger flags (`in`, `un`, `act`, `dea`) to true. The device reports through a status
attribute, an `m2m:actionStatus` `{acn, sus}`: `ins` for install and uninstall, `acts`
for activate and deactivate. This module says which operation a `[software]` asks for
and which attribute changes report each step. Plain Python, no ACME import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..core.status import ActionStatus


@dataclass(frozen=True)
class Operation:
    """One operation: its name (also the `acn` reported), trigger flag and status attribute."""

    name: str
    flag: str
    status: str


INSTALL = Operation("install", "in", "ins")
UNINSTALL = Operation("uninstall", "un", "ins")
ACTIVATE = Operation("activate", "act", "acts")
DEACTIVATE = Operation("deactivate", "dea", "acts")

OPERATIONS = (INSTALL, UNINSTALL, ACTIVATE, DEACTIVATE)
"""In the order a device takes them when several flags are set at once."""


def pending(attributes: Mapping[str, object]) -> Operation | None:
    """Return the operation a `[software]` asks for, or None when no flag is true.

    `attributes` are the `[software]`'s stored attributes. With several flags true, the
    first in `OPERATIONS` order is returned; the others stay set and come next.
    """
    return next((op for op in OPERATIONS if attributes.get(op.flag) is True), None)


def start_changes(attributes: Mapping[str, object], operation: Operation) -> dict | None:
    """Return the changes that report `operation` as in process.

    Returns None when the `[software]` no longer asks for `operation` (its flag was
    cleared in the meantime), so that nothing is reported for a withdrawn request.
    """
    if attributes.get(operation.flag) is not True:
        return None
    return {operation.status: _action_status(operation, ActionStatus.IN_PROCESS)}


def finish_changes(operation: Operation, succeeded: bool) -> dict:
    """Return the changes that report the result of `operation` and clear its flag.

    The result is reported even when the flag was cleared meanwhile: the device did
    the work, and a status left "in process" would never end.
    """
    result = ActionStatus.SUCCESSFUL if succeeded else ActionStatus.FAILURE
    return {operation.status: _action_status(operation, result), operation.flag: False}


def _action_status(operation: Operation, sus: ActionStatus) -> dict:
    return {"acn": operation.name, "sus": int(sus)}
