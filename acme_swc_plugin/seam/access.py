"""Let requests name the campaign types and let registered AEs create campaigns.

Two of ACME's structures are rebuilt on every policy import (start-up and every CSE
reset), so both fixes are re-applied right after ACME's own import step:

- each attribute policy of the enum type `m2m:resourceType` (the request's `ty`, a
  filter's `ty`, an ACP's `chty`, ...) holds its own copy of the allowed values;
  without the campaign codes ACME rejects `ty=<campaign>` as "undefined enum value";
- the bootstrap ACP `acpCreateRootResources` lets every originator create only
  `<accessControlPolicy>` and `<notificationTargetPolicy>` under the CSEBase, and the
  CSEBase's `acpi` cannot be changed by a request; without the campaign code there,
  only the admin could create a campaign.
"""

from __future__ import annotations

from collections.abc import Callable

from acmecse.etc.ResponseStatusCodes import ResponseException
from acmecse.runtime.Importer import Importer
from acmecse.runtime.Logging import Logging as L

from ..protocol import Protocol

RESOURCE_TYPE_ENUM = "m2m:resourceType"
BOOTSTRAP_ACP = "acpCreateRootResources"


def allow_type_codes(importer: Importer, validator, protocol: Protocol) -> int:
    """Add the campaign codes to every `m2m:resourceType` enum policy; return how many."""
    labels = {
        protocol.campaign.code: protocol.campaign.full_name,
        protocol.announced.code: protocol.announced.full_name,
    }
    importer._enumValues.setdefault(RESOURCE_TYPE_ENUM, {}).update(labels)

    patched = 0
    for policy in validator.getAllAttributePolicies().values():
        if policy.etype == RESOURCE_TYPE_ENUM and policy.evalues is not None:
            policy.evalues.update(labels)
            patched += 1
    return patched


def grant_campaign_creation(dispatcher, protocol: Protocol) -> bool:
    """Add the campaign type to the `chty` list of the bootstrap ACP's CREATE rule.

    Return False when that ACP or rule is not there (a customised bootstrap): then only
    originators with other CREATE rights on the CSEBase can create campaigns.
    """
    try:
        acp = dispatcher.retrieveLocalResource(BOOTSTRAP_ACP)
    except ResponseException:
        return False

    privileges = acp.pv or {}
    changed = found = False
    for rule in privileges.get("acr", []):
        for context in rule.get("acod") or []:
            types = context.get("chty")
            if isinstance(types, list) and types:
                found = True
                if protocol.campaign.code not in types:
                    types.append(protocol.campaign.code)
                    changed = True
    if changed:
        acp.setAttribute("pv", privileges)
        acp.dbUpdate()
    return found


def after(method_owner: type, method_name: str, hook: Callable[[object], None]) -> None:
    """Run `hook(instance)` each time `method_owner.method_name` returns a truthy result."""
    original = getattr(method_owner, method_name)
    if getattr(original, "_swc_hook", None) is hook:
        return

    def wrapper(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if result:
            hook(self)
        return result

    wrapper._swc_hook = hook  # type: ignore[attr-defined]
    wrapper.__name__ = method_name
    wrapper.__doc__ = original.__doc__
    setattr(method_owner, method_name, wrapper)


def install_access(protocol: Protocol) -> None:
    """Re-apply both fixes after each of ACME's policy and script imports."""

    def on_policies(importer: Importer) -> None:
        count = allow_type_codes(importer, importer.validator, protocol)
        L.isDebug and L.logDebug(f"acme-swc: campaign type codes added to {count} enum policies")

    def on_scripts(importer: Importer) -> None:
        if not grant_campaign_creation(importer.dispatcher, protocol):
            L.logWarn(
                f"acme-swc: bootstrap ACP {BOOTSTRAP_ACP} has no CREATE rule with chty; "
                "only originators with other CREATE rights on the CSEBase can create campaigns"
            )

    after(Importer, "importPolicies", on_policies)
    after(Importer, "importScripts", on_scripts)
