"""The protocol values the web UI extension needs, as one JSON-ready dict.

The extension's JavaScript names no type code, short name or enumeration label: it
reads them from this dict, which is built from the policy files in `init/` (through
`protocol`) and served next to the script. The dict also carries the REST pane's
CREATE template, generated from the attribute policies, and the attributes a PUT must
leave out. This module imports nothing from ACME.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import protocol
from ..core import status as status_rules
from ..core._values import ERROR

PLACEHOLDER = "==> fill <=="
OPTIONAL_PLACEHOLDER = "==> fill or remove <=="
"""Placeholders in the style of ACME's own REST pane templates."""

NOT_PRESENT = "NP"
COMPLEX = "COMPLEX"


def web_values(read_only: Iterable[str] = (), parents: Iterable[int] = ()) -> dict:
    """Build the values for the browser.

    `read_only` names further attributes a request may not UPDATE (ACME's universal and
    common ones, which the `.ap` file does not declare); the campaign's own CSE-set
    attributes are added from the `.ap` file. `parents` are the type codes of the
    campaign's possible parents, whose REST pane offers the CREATE template; ACME
    knows them, the `.rtp` file only names them.
    """
    values = protocol.load()
    init = protocol.data_dir("init")
    policies = protocol.read_policy_file(init / protocol.AP_FILE)
    enums = protocol.read_policy_file(init / protocol.EP_FILE)
    campaign = values.campaign
    own = _policies_for(policies, campaign.name)

    return {
        "campaign": _type(campaign),
        "announced": _type(values.announced),
        "attributes": values.attributes,
        "enums": enums,
        "enumOf": {
            short: defs[0]["etype"]
            for short, defs in policies.items()
            if defs[0].get("type") == "enum"
        },
        "fields": {
            "links": values.short_name("softwareLinks"),
            "aggregatedStatus": values.short_name("aggregatedSoftwareStatus"),
            "individualStatus": values.short_name("individualSoftwareStatus"),
            "target": values.short_name("target"),
            "software": values.short_name("softwareResourceID"),
            "status": values.short_name("softwareStatus"),
        },
        "parents": sorted(parents),
        "statusTone": {str(int(s)): _tone(s) for s in values.status},
        "readOnly": sorted(
            set(read_only) | {a for a, p in own.items() if p.get("ou") == NOT_PRESENT}
        ),
        "createTemplate": {campaign.type_name: _template(campaign, own, policies, enums)},
    }


def _type(info: protocol.TypeInfo) -> dict:
    return {
        "code": info.code,
        "typeName": info.type_name,
        "shortName": info.name,
        "fullName": info.full_name,
    }


def _tone(status) -> str:
    """How the browser shows a status: still running, failed, or done."""
    if not status_rules.is_terminal(status):
        return "pending"
    return "failed" if status == ERROR else "done"


def _policies_for(policies: dict, rtype: str) -> dict[str, dict]:
    """The policy of each attribute declared for `rtype` (a name in `rtypes`)."""
    found = {}
    for short, defs in policies.items():
        for policy in defs:
            if rtype in policy.get("rtypes", ()):
                found[short] = policy
    return found


def _template(info: protocol.TypeInfo, own: dict, policies: dict, enums: dict) -> dict:
    """A CREATE body: `rn`, then the mandatory and the optional attributes a request sets."""
    body: dict = {"rn": PLACEHOLDER}
    for wanted in ("M", "O"):
        for short in info.attributes:
            policy = own.get(short)
            if policy and policy.get("oc") == wanted:
                body[short] = _example(policy, policies, enums, optional=wanted == "O")
    return body


def _example(policy: dict, policies: dict, enums: dict, *, optional: bool):
    placeholder = OPTIONAL_PLACEHOLDER if optional else PLACEHOLDER
    kind = policy.get("type")
    if kind == "enum" and policy.get("etype") in enums:
        return min(int(code) for code in enums[policy["etype"]])
    if kind == "list":
        members = _complex_members(policies, policy.get("ltype"))
        item = {m: _example(p, policies, enums, optional=optional) for m, p in members.items()}
        return [item or placeholder]
    return placeholder


def _complex_members(policies: dict, ctype: str | None) -> dict[str, dict]:
    """The members of a complex type this project declares; empty for any other type."""
    return {
        short: policy
        for short, defs in policies.items()
        for policy in defs
        if COMPLEX in policy.get("rtypes", ()) and policy.get("ctype") == ctype
    }
