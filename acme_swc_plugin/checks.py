"""The checks of a campaign's CREATE and UPDATE that need the CSE (TS-0001 10.2.28.3).

The pure rules (shapes, URL, duplicates, the conflict rule) live in `core`; this
module asks ACME what only ACME knows: whether a trigger subject exists and may be
read by the originator, whether its criterion fits the subject's attribute, and
whether a local target is a `<node>`. Every failure is a `ResponseException` with a
4xxx code and a `dbg` text naming the attribute and the rule.
"""

from __future__ import annotations

from typing import Any

from acmecse.etc.IDUtils import isAbsolute, isSPRelative, localResourceID
from acmecse.etc.ResponseStatusCodes import (
    BAD_REQUEST,
    NOT_FOUND,
    ORIGINATOR_HAS_NO_PRIVILEGE,
    ResponseException,
)
from acmecse.etc.Types import EvalCriteriaOperator, Permission, ResourceTypes

from .core.errors import CampaignInputError

TRIGGER = "softwareTriggerCriteria"
TARGETS = "softwareTargets"


def bad_request(error: CampaignInputError, long_names: dict[str, str]) -> ResponseException:
    """The oneM2M answer to a rule of the pure core that the request broke."""
    return BAD_REQUEST(f"{long_names.get(error.attribute, error.attribute)}: {error.message}")


def check_trigger_subjects(dispatcher: Any, validator: Any, criteria: list, originator: str):
    """Check every trigger criterion against its subject; return the criteria with
    thresholds converted to the subject attribute's type.

    A local subject must be retrievable by the originator under ACME's access control;
    a subject on another CSE is retrieved with the originator's identity, so that CSE
    decides. A missing subject is a 4000, a subject the originator may not read a 4103.
    """
    checked = []
    for index, entry in enumerate(criteria):
        where = f"{TRIGGER}[{index}]"
        subject = _retrieve_subject(dispatcher, entry["sri"], originator, where)
        checked.append({**entry, "evc": _check_criterion(validator, entry["evc"], subject, where)})
    return checked


def _retrieve_subject(dispatcher: Any, sri: str, originator: str, where: str):
    try:
        if localResourceID(sri) is not None or not (isSPRelative(sri) or isAbsolute(sri)):
            return dispatcher.retrieveResourceWithPermission(sri, originator, Permission.RETRIEVE)
        return dispatcher.retrieveResource(sri, originator=originator)
    except ORIGINATOR_HAS_NO_PRIVILEGE:
        raise ORIGINATOR_HAS_NO_PRIVILEGE(
            f"{where}.sri: originator {originator} may not retrieve the subject {sri}"
        ) from None
    except ResponseException as e:
        raise BAD_REQUEST(f"{where}.sri: subject {sri} cannot be retrieved: {e.dbg}") from None
    except AttributeError:  # ACME's answer for an unreachable or unregistered remote CSE
        raise BAD_REQUEST(f"{where}.sri: the CSE hosting {sri} is not reachable") from None


def _check_criterion(validator: Any, evc: dict, subject: Any, where: str) -> dict:
    attribute = evc["sbjt"]
    if not subject.hasAttributeDefined(attribute):
        raise BAD_REQUEST(
            f"{where}.evc.sbjt: {attribute} is not an attribute of the subject "
            f"({ResourceTypes(subject.ty).name})"
        )
    try:
        data_type, threshold = validator.validateAttribute(attribute, evc["thld"], rtype=subject.ty)
    except ResponseException as e:
        raise BAD_REQUEST(f"{where}.evc.thld: invalid for {attribute}: {e.dbg}") from None
    try:
        operator = EvalCriteriaOperator(evc["optr"])
    except ValueError:
        raise BAD_REQUEST(f"{where}.evc.optr: unknown operator {evc['optr']!r}") from None
    if not operator.isAllowedType(data_type):
        raise BAD_REQUEST(
            f"{where}.evc.optr: {operator.name} cannot compare {attribute} ({data_type.name})"
        )
    return {**evc, "thld": threshold}


def check_local_targets(dispatcher: Any, targets: list[str]) -> dict[str, str]:
    """Each target on this CSE must be a `<node>`; return target -> the node's `ri`.

    Targets on other CSEs are only checked for their form here: whether they are
    `<node>`s is learnt when the campaign runs, as the registree CSE answers the
    `[software]` CREATE (a wrong one then ends as ERROR for that target).
    """
    resolved = {}
    for target in targets:
        if localResourceID(target) is None and (isSPRelative(target) or isAbsolute(target)):
            continue
        try:
            node = dispatcher.retrieveResource(target)
        except NOT_FOUND:
            raise BAD_REQUEST(f"{TARGETS}: no resource {target} on this CSE") from None
        except ResponseException as e:
            raise BAD_REQUEST(f"{TARGETS}: {target} cannot be retrieved: {e.dbg}") from None
        if node.ty != ResourceTypes.NOD:
            raise BAD_REQUEST(
                f"{TARGETS}: {target} is a {ResourceTypes(node.ty).name}, not a <node>"
            )
        resolved[target] = node.ri
    return resolved
