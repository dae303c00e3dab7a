"""Evaluate a campaign's trigger criteria against the current values of their subjects.

Each criterion is an `m2m:evalCriteria` `{sbjt, optr, thld}` as in `<action>`: the
subject attribute `sbjt` is compared with the threshold `thld` by the operator `optr`
(1 equal, 2 not equal, 3 greater than, 4 less than, 5 greater than or equal, 6 less
than or equal, TS-0004's `m2m:evalCriteriaOperator`, the same numbers ACME uses).
A campaign is triggered when every criterion holds at the same time. A missing
attribute, or values that cannot be compared, make a criterion false, never an error.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

_OPERATORS: dict[int, Callable[[Any, Any], bool]] = {
    1: operator.eq,
    2: operator.ne,
    3: operator.gt,
    4: operator.lt,
    5: operator.ge,
    6: operator.le,
}


def holds(evc: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    """Whether one criterion holds for a subject whose attributes are `attributes`."""
    value = attributes.get(evc.get("sbjt"))
    compare = _OPERATORS.get(evc.get("optr"))
    if value is None or compare is None:
        return False
    try:
        return bool(compare(value, evc.get("thld")))
    except TypeError:
        return False


def all_hold(criteria: list[Mapping[str, Any]], subjects: Mapping[str, Mapping | None]) -> bool:
    """Whether every criterion holds; `subjects` maps each `sri` to its attributes, or
    to None when the subject cannot be read now (then the criterion does not hold)."""
    return all(
        (attributes := subjects.get(entry["sri"])) is not None and holds(entry["evc"], attributes)
        for entry in criteria
    )
