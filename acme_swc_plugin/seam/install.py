"""Put the campaign types into a starting ACME, in the order ACME's start-up needs."""

from __future__ import annotations

import filecmp
from pathlib import Path

from ..protocol import POLICY_FILES, Protocol, data_dir
from .access import install_access
from .bodies import check_bodies
from .check import SeamError
from .indexes import index_tinydb_lookups
from .notify import route_notifications
from .shutdown import complete_shutdown_on_exit
from .starting import hold_requests_while_starting
from .tinydb import write_tinydb_files_atomically
from .types import register_types
from .validation import select_policy_fields_directly
from .workers import run_workers_when_due


def check_policy_files(base_directory: str) -> None:
    """The runtime directory's `init/` must hold this release's policy files.

    ACME imports the `.ap` and `.ep` files from there; copies from another release of
    the plugin would make ACME and the plugin disagree about the resource.

    Raises:
        SeamError: a file is missing or differs; the message says how to fix it.
    """
    runtime_init = Path(base_directory) / "init"
    packaged = data_dir("init")
    stale = [
        name
        for name in POLICY_FILES
        if not (runtime_init / name).is_file()
        or not filecmp.cmp(runtime_init / name, packaged / name, shallow=False)
    ]
    if stale:
        raise SeamError(
            f"the policy files {', '.join(stale)} in {runtime_init} are missing or from "
            f"another release of acme-swc-plugin; run `acme-swc init {base_directory}`"
        )


def install(protocol: Protocol, campaign_cls: type, announced_cls: type) -> None:
    """Register both types, the access fixes, NOTIFY routing, the start-up, shutdown
    and crash fixes, the database indexes, and the worker queue and validation fixes;
    safe to call twice."""
    register_types(protocol, campaign_cls, announced_cls)
    check_bodies({protocol.campaign.type_name, protocol.announced.type_name})
    install_access(protocol)
    route_notifications()
    complete_shutdown_on_exit()
    hold_requests_while_starting()
    write_tinydb_files_atomically()
    lower_acmes_costs()


def lower_acmes_costs() -> None:
    """The fixes that change what ACME's own resource work costs (indexed lookups, the
    worker queue, attribute policy reads); also for the benchmark's floor CSE, which must
    run the same ACME as the plugin's. Safe to call twice."""
    index_tinydb_lookups()
    run_workers_when_due()
    select_policy_fields_directly()
