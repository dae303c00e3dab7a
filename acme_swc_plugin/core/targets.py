"""Validation of a campaign's inputs that needs nothing but the values themselves.

Each check raises `CampaignInputError` naming the attribute and the rule it breaks, so
the resource can answer a bad request with that text as `dbg`. Whatever needs the CSE
(is a target really a `<node>`, may the originator read a trigger subject, is an
operator valid for the subject's attribute) is checked by the resource with ACME.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

from ._values import (
    EVAL_CRITERIA,
    SOFTWARE_TARGETS,
    SOFTWARE_URL,
    SUBJECT_RESOURCE_ID,
    TRIGGER_CRITERIA,
)
from .errors import CampaignInputError

_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _has_blank_or_control(text: str) -> bool:
    return any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text)


def target_id_problem(value: object) -> str | None:
    """Say why `value` is not a plausible resource ID, or return None when it is one.

    Accepted forms: CSE-relative (`nod123`, `cse-in/node1`), SP-relative (`/id-mn/nod1`,
    `/id-mn/cse-mn/node1`) and absolute (`//sp/id-mn/nod1`). The ID must be a non-empty
    string without whitespace or control characters, without `?` or `#`, not a URL with a
    scheme, with no empty, `.` or `..` path segment, and an SP-relative or absolute ID must
    name a resource below the CSE, not only the CSE (`/id-mn` is rejected).
    """
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    if not value:
        return "must not be empty"
    if _has_blank_or_control(value):
        return f"{value!r} contains whitespace or control characters"
    if "?" in value or "#" in value or _SCHEME_PREFIX.match(value):
        return f"{value!r} is a URL, not a resource ID"

    if value.startswith("///"):
        return f"{value!r} starts with more than two slashes"
    if value.startswith("//"):
        form, segments, minimum = "an absolute ID //<sp>/<cse-id>/<resource>", value[2:], 3
    elif value.startswith("/"):
        form, segments, minimum = "an SP-relative ID /<cse-id>/<resource>", value[1:], 2
    else:
        form, segments, minimum = "a CSE-relative ID", value, 1

    parts = segments.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"{value!r} has an empty, '.' or '..' path segment"
    if len(parts) < minimum:
        return f"{value!r} names no resource below the CSE; expected {form}"
    return None


def check_targets(targets: object, normalise: Callable[[str], str] | None = None) -> list[str]:
    """Check `softwareTargets` and return it as a list of strings.

    The attribute must be a non-empty list whose entries are resource IDs as described
    by `target_id_problem`, each listed once. Duplicates are found by comparing
    `normalise(entry)`; without `normalise` only identical strings are duplicates,
    because telling that `nod1` and `/id-in/nod1` are the same `<node>` needs the
    Hosting CSE's ID, which the core does not know.

    Raises:
        CampaignInputError: for `swtg`, naming the first offending entry by its index.
    """
    if not isinstance(targets, list):
        raise CampaignInputError(
            SOFTWARE_TARGETS, f"must be a list of <node> resource IDs, not {type(targets).__name__}"
        )
    if not targets:
        raise CampaignInputError(SOFTWARE_TARGETS, "must list at least one <node> resource ID")

    seen: dict[str, int] = {}
    for index, entry in enumerate(targets):
        problem = target_id_problem(entry)
        if problem is not None:
            raise CampaignInputError(SOFTWARE_TARGETS, f"entry [{index}] {problem}")

        key = normalise(entry) if normalise else entry
        if key in seen:
            raise CampaignInputError(
                SOFTWARE_TARGETS,
                f"entry [{index}] {entry!r} repeats entry [{seen[key]}]; list each target once",
            )
        seen[key] = index
    return list(targets)


def check_software_url(url: object) -> str:
    """Check `softwareURL` and return it.

    The rule: a string of the form `<scheme>://<host>[...]`, where the scheme is any
    RFC 3986 scheme (http, https, ftp, coap, coaps, file, ...) and the host part is not
    empty, with a valid port when one is given, and with no whitespace or control
    character anywhere. A host is required because the URL is copied to `[software]`
    on other nodes: `file:///pkg.bin` names no host and is rejected, while
    `file://localhost/pkg.bin` is accepted.

    Raises:
        CampaignInputError: for `swur`.
    """
    if not isinstance(url, str) or not url:
        raise CampaignInputError(SOFTWARE_URL, "must be a non-empty absolute URL string")
    if _has_blank_or_control(url):
        raise CampaignInputError(SOFTWARE_URL, f"{url!r} contains whitespace or control characters")

    scheme, separator, _ = url.partition("://")
    if not separator or not _URL_SCHEME.fullmatch(scheme):
        raise CampaignInputError(SOFTWARE_URL, f"{url!r} is not an absolute URL <scheme>://<host>")

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # urlsplit checks the port only when it is asked for
    except ValueError as error:
        raise CampaignInputError(SOFTWARE_URL, f"{url!r} is malformed: {error}") from None
    if not parts.hostname:
        raise CampaignInputError(SOFTWARE_URL, f"{url!r} names no host")
    return url


def check_trigger_criteria_shape(criteria: object) -> None:
    """Check the shape of `softwareTriggerCriteria`; its meaning is checked with ACME.

    Absent (None) and an empty list both mean "no criteria". Otherwise it must be a
    list of objects, each with `sri`, a non-empty string, and `evc`, an object holding
    `sbjt` (a non-empty string), `optr` (an integer) and `thld` (any value but null).
    Other members are left to ACME's attribute policies.

    Raises:
        CampaignInputError: for `swtc`, naming the entry and the missing or wrong member.
    """
    if criteria is None:
        return
    if not isinstance(criteria, list):
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"must be a list of {{sri, evc}}, not {type(criteria).__name__}"
        )
    for index, entry in enumerate(criteria):
        _check_criterion(index, entry)


def _check_criterion(index: int, entry: object) -> None:
    where = f"entry [{index}]"
    if not isinstance(entry, dict):
        raise CampaignInputError(TRIGGER_CRITERIA, f"{where} must be an object {{sri, evc}}")

    subject = entry.get(SUBJECT_RESOURCE_ID)
    if not isinstance(subject, str) or not subject:
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"{where} needs {SUBJECT_RESOURCE_ID}, a non-empty resource ID"
        )

    evc = entry.get(EVAL_CRITERIA)
    if not isinstance(evc, dict):
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"{where} needs {EVAL_CRITERIA}, an object {{sbjt, optr, thld}}"
        )
    # sbjt, optr and thld are the members of ACME's m2m:evalCriteria, not names of ours.
    if not isinstance(evc.get("sbjt"), str) or not evc["sbjt"]:
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"{where} {EVAL_CRITERIA} needs sbjt, the subject attribute name"
        )
    operator = evc.get("optr")
    if not isinstance(operator, int) or isinstance(operator, bool):
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"{where} {EVAL_CRITERIA} needs optr, an integer operator"
        )
    if evc.get("thld") is None:
        raise CampaignInputError(
            TRIGGER_CRITERIA, f"{where} {EVAL_CRITERIA} needs thld, the threshold value"
        )
