"""Start-up self-check: is this the ACME whose internals the seam was written for?"""

from __future__ import annotations

import importlib
from importlib import metadata

from .. import ACME_VERSION


class SeamError(ValueError):
    """ACME cannot take the plugin; the message says why and what to do.

    A ValueError, because ACME's start-up reports those as one clean log line and stops.
    """


EXPECTED: tuple[tuple[str, str], ...] = (
    ("acmecse.etc.Types", "ResourceTypes._member_map_"),
    ("acmecse.etc.Types", "ResourceTypes._value2member_map_"),
    ("acmecse.etc.Types", "ResourceTypes._member_names_"),
    ("acmecse.etc.Types", "ResourceDescription"),
    ("acmecse.etc.Types", "resourceTypeDetails"),
    ("acmecse.runtime.Factory", "Factory.initResources"),
    ("acmecse.runtime.Factory", "Factory.resourceClassMapping"),
    ("acmecse.runtime.Factory", "Factory.resourceFromDict"),
    ("acmecse.services.Dispatcher", "Dispatcher.processUpdateRequest"),
    ("acmecse.runtime.Importer", "Importer.importPolicies"),
    ("acmecse.runtime.Importer", "Importer.importScripts"),
    ("acmecse.runtime.Importer", "Importer._enumValues"),
    ("acmecse.services.Validator", "Validator.getAllAttributePolicies"),
    ("acmecse.services.Dispatcher", "Dispatcher.processNotifyRequest"),
    ("acmecse.services.Dispatcher", "Dispatcher._checkHybridID"),
    ("acmecse.services.Dispatcher", "Dispatcher.notifyLocalResource"),
    ("acmecse.services.RequestManager", "RequestManager.determineTargetDetails"),
    ("acmecse.runtime.CSE", "_shutdown"),
    ("acmecse.helpers.TinyDBBufferedStorage", "TinyDBBufferedStorage._fileWriter"),
    ("tinydb.storages", "JSONStorage.write"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.searchSubscriptionReprs"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.upsertSubscriptionRepr"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.removeSubscriptionRepr"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.purgeDB"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.insertResource"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.upsertResource"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.updateResource"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.deleteResource"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.searchResources"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.hasResource"),
    ("acmecse.plugins.database.TinyDBBinding", "TinyDBBinding.searchByFragment"),
    ("acmecse.helpers.BackgroundWorker", "BackgroundWorkerPool._execQueue"),
    ("acmecse.helpers.BackgroundWorker", "BackgroundWorkerPool._startTimer"),
    ("acmecse.helpers.BackgroundWorker", "_utcTime"),
    ("acmecse.etc.Types", "AttributePolicy.select"),
    ("acmecse.resources.AnnounceableResource", "AnnounceableResource"),
    ("acmecse.resources.AnnouncedResource", "AnnouncedResource"),
)
"""(module, dotted attribute) pairs the seam touches."""


def installed_acme_version() -> str:
    """The installed acmecse distribution's version, or 'unknown'."""
    try:
        return metadata.version("acmecse")
    except metadata.PackageNotFoundError:
        return "unknown"


def missing_structures(expected=EXPECTED) -> list[str]:
    """Names of the expected structures that the installed ACME does not have."""
    missing = []
    for module_name, dotted in expected:
        try:
            target = importlib.import_module(module_name)
            for part in dotted.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError):
            missing.append(f"{module_name}.{dotted}")
    return missing


def verify(expected=EXPECTED) -> str:
    """Check ACME's internals; return a warning text for a version mismatch, or ''.

    Raises:
        SeamError: a structure is missing; the plugin must not start.
    """
    version = installed_acme_version()
    if missing := missing_structures(expected):
        raise SeamError(
            f"acme-swc-plugin does not recognise the internals of acmecse {version} "
            f"(verified against {ACME_VERSION}); missing: {', '.join(missing)}. "
            f"Install acmecse=={ACME_VERSION} or a release of acme-swc-plugin made for "
            f"acmecse {version}."
        )
    if version != ACME_VERSION:
        return (
            f"acme-swc-plugin was verified against acmecse {ACME_VERSION}, "
            f"this is {version}; the structures it needs are present"
        )
    return ""
