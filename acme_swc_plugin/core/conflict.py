"""The conflict rule checked when a campaign is created.

The rule, in plain words: a new campaign conflicts with an existing campaign when all
of these hold:

1. the existing campaign has not finished: its aggregated status is NOT_YET_STARTED
   or IN_PROGRESS (a campaign that ended, successfully or in ERROR, blocks nothing);
2. the two share at least one target `<node>`;
3. they manage the same software name;
4. they have the same trigger criteria, compared as a set of {subject, evaluation
   criteria} entries, so order and repeated entries do not matter; two campaigns
   without criteria have the same criteria.

Such a pair would be started by the same event on the same node for the same
software, so the node would end in whichever state came last: with different versions
(the example of TS-0001 clause 10.2.28.2), with different operations on the same
version (e.g. INSTALL and UNINSTALL of 1.0), and also with the very same version and
operation, because the duplicate would create and drive a second `[software]` for the
same software on the node. Version and operation therefore only shape the error text,
never the decision. Campaigns with different trigger criteria are not in conflict: an
operator stages versions on purpose that way (e.g. 2.0 when a battery is full, 2.1
on a maintenance flag). An UPDATE that starts a new run is checked the same way; the
caller leaves the campaign being updated out of the existing ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

from ._values import EVAL_CRITERIA, IN_PROGRESS, NOT_YET_STARTED, SUBJECT_RESOURCE_ID, Operation

Normalise = Callable[[str], str]
"""Maps a resource ID to a canonical form, e.g. SP-relative; the identity by default."""

_SHOWN_TARGETS = 10
"""Targets named in a conflict's message; a fleet-sized list would swamp the `dbg`."""


@dataclass(frozen=True, kw_only=True)
class CampaignSpec:
    """What the conflict rule needs of a campaign."""

    targets: Sequence[str]
    trigger_criteria: Sequence[Mapping[str, object]] | None
    version: str
    name: str
    operation: int


@dataclass(frozen=True, kw_only=True)
class ExistingCampaign(CampaignSpec):
    """A campaign already on the Hosting CSE, with its ID and aggregated status."""

    ri: str
    status: int


@dataclass(frozen=True)
class Conflict:
    """An existing campaign the new one conflicts with, and on which targets."""

    campaign_ri: str
    shared_targets: list[str]
    """Targets of both campaigns, spelled and ordered as in the new campaign."""
    reason: str

    @property
    def message(self) -> str:
        """The error text: `conflicts with campaign <ri> on targets [...]: <reason>`."""
        shown = ", ".join(self.shared_targets[:_SHOWN_TARGETS])
        hidden = len(self.shared_targets) - _SHOWN_TARGETS
        more = f", ... ({len(self.shared_targets)} in all)" if hidden > 0 else ""
        return (
            f"conflicts with campaign {self.campaign_ri} on targets [{shown}{more}]: {self.reason}"
        )


def _identity(value: str) -> str:
    return value


def criteria_key(
    criteria: Sequence[Mapping[str, object]] | None, normalise: Normalise = _identity
) -> frozenset[str]:
    """Return a form of trigger criteria that compares equal exactly when the rule says so.

    Only `sri` (normalised like targets) and `evc` of each entry count; absent and empty
    criteria both give the empty set.
    """
    entries = set()
    for entry in criteria or ():
        subject = entry.get(SUBJECT_RESOURCE_ID)
        canonical = {
            SUBJECT_RESOURCE_ID: normalise(subject) if isinstance(subject, str) else subject,
            EVAL_CRITERIA: entry.get(EVAL_CRITERIA),
        }
        entries.add(json.dumps(canonical, sort_keys=True, default=str))
    return frozenset(entries)


def _reason(new: CampaignSpec, old: ExistingCampaign) -> str:
    new_op, old_op = Operation(new.operation).name, Operation(old.operation).name
    if new.version != old.version:
        return (
            f"same software {new.name!r} and trigger criteria, but version {old.version!r}"
            f" there and {new.version!r} here"
        )
    if new_op != old_op:
        return (
            f"same software {new.name!r}, version {new.version!r} and trigger criteria,"
            f" but {old_op} there and {new_op} here"
        )
    return (
        f"it already does {old_op} of {new.name!r} version {new.version!r}"
        " under the same trigger criteria"
    )


def conflicts(
    new: CampaignSpec, existing: Iterable[ExistingCampaign], normalise: Normalise = _identity
) -> Iterator[Conflict]:
    """Yield every conflict of `new` with `existing`, in the order of `existing`.

    Cost is linear in the total number of targets: the cheap tests (status, name,
    criteria) come first and targets are compared through a set.
    """
    new_targets = {normalise(target): target for target in new.targets}
    new_criteria = criteria_key(new.trigger_criteria, normalise)
    unfinished: set[IntEnum] = {NOT_YET_STARTED, IN_PROGRESS}

    for old in existing:
        if old.status not in unfinished or old.name != new.name:
            continue
        if criteria_key(old.trigger_criteria, normalise) != new_criteria:
            continue

        old_keys = {normalise(target) for target in old.targets}
        shared = [target for key, target in new_targets.items() if key in old_keys]
        if shared:
            yield Conflict(old.ri, shared, _reason(new, old))


def find_conflict(
    new: CampaignSpec, existing: Iterable[ExistingCampaign], normalise: Normalise = _identity
) -> Conflict | None:
    """Return the first campaign of `existing` that `new` conflicts with, or None."""
    return next(conflicts(new, existing, normalise), None)
