"""Helpers for tests of running campaigns: a fleet of `<node>`s an AE may manage.

Statuses and operations are named as in `init/softwareCampaign.ep`, read through the
package, so the tests never repeat a protocol number.
"""

from __future__ import annotations

import itertools

from cse import CSEProcess, wait_until

from acme_swc_plugin.protocol import load

PROTOCOL = load()
STATUS = PROTOCOL.status
OPERATION = PROTOCOL.operation
CAMPAIGN = PROTOCOL.campaign.code
ADMIN = "CAdmin"
UNFINISHED = (STATUS.NOT_YET_STARTED, STATUS.IN_PROGRESS)

_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


def sp(cse: CSEProcess, ri: str) -> str:
    """The client path of a resource known by its `ri` on `cse`, or by an SP-relative ID."""
    return f"/~{ri}" if ri.startswith("/") else f"/~{cse.csi}/{ri}"


def register_ae(cse: CSEProcess, name: str | None = None) -> str:
    """Register an AE on `cse`; return its originator (AE-ID)."""
    name = name or unique("fleetae")
    return cse.client.register_ae(name, originator=f"C{name}")


def make_nodes(
    host: CSEProcess, count: int, managers: list[str], labels: list[list[str]] | None = None
) -> list[str]:
    """Create `count` `<node>`s on `host` that `managers` may manage; return their IDs.

    The IDs are SP-relative (`/id-mn/nodXYZ`), which works from the host and from its
    registrar alike. `labels[i]` (e.g. `["swcsim:fail"]`) go to node i.
    """
    acp = unique("acpFleet")
    rsc, _ = host.client.create(
        host.cse_path,
        1,
        {
            "m2m:acp": {
                "rn": acp,
                "pv": {"acr": [{"acor": managers, "acop": 63}]},
                "pvs": {"acr": [{"acor": [ADMIN], "acop": 63}]},
            }
        },
        ADMIN,
    )
    assert rsc == 2001, rsc
    nodes = []
    for index in range(count):
        body = {"rn": unique("node"), "ni": unique("ni"), "acpi": [f"{host.cse_name}/{acp}"]}
        if labels and labels[index]:
            body["lbl"] = labels[index]
        rsc, created = host.client.create(host.cse_path, 14, {"m2m:nod": body}, ADMIN)
        assert rsc == 2001, created
        nodes.append(f"{host.csi}/{created['m2m:nod']['ri']}")
    return nodes


def campaign_body(
    targets: list[str],
    operation: int = OPERATION.INSTALL,
    version: str = "1.0",
    name: str | None = None,
    **extra,
) -> dict:
    body = {
        "rn": extra.pop("rn", None) or unique("campaign"),
        "swvr": version,
        "swnm": name or unique("app"),
        "swur": "http://127.0.0.1/packages/app.tar.gz",
        "swtg": targets,
        "swop": int(operation),
        **extra,
    }
    return {"m2m:swc": body}


def create_campaign(cse: CSEProcess, originator: str, body: dict) -> str:
    """Create the campaign; return its path for the client."""
    rsc, created = cse.client.create(cse.cse_path, CAMPAIGN, body, originator)
    assert rsc == 2001, created
    return f"{cse.cse_path}/{created['m2m:swc']['rn']}"


def campaign(cse: CSEProcess, path: str, originator: str) -> dict:
    rsc, body = cse.client.retrieve(path, originator)
    assert rsc == 2000, body
    return body["m2m:swc"]


def wait_finished(cse: CSEProcess, path: str, originator: str, timeout: float = 30.0) -> dict:
    """Wait until the campaign's aggregated status is terminal; return the campaign."""
    return wait_until(
        lambda: (c := campaign(cse, path, originator))["agss"] not in UNFINISHED and c,
        timeout,
    )


def statuses(resource: dict) -> list[int]:
    """The individual statuses, in target order."""
    return [entry["swst"] for entry in resource["inss"]]


def software_of(cse: CSEProcess, swri: str) -> dict:
    """The `[software]` a campaign links, by its ID as the campaign lists it."""
    rsc, body = cse.client.retrieve(sp(cse, swri), ADMIN)
    assert rsc == 2000, body
    return body["m2m:swr"]


def make_flag(cse: CSEProcess, owner: str) -> str:
    """A `<container>` of the AE `owner` whose `mni` serves as a trigger subject; return
    its SP-relative ID."""
    rsc, body = cse.client.create(sp(cse, owner), 3, {"m2m:cnt": {"mni": 1}}, owner)
    assert rsc == 2001, body
    return f"{cse.csi}/{body['m2m:cnt']['ri']}"


def flag_criterion(flag_id: str, threshold: int = 100) -> dict:
    """Holds when the flag container's `mni` is at least `threshold`."""
    return {"sri": flag_id, "evc": {"sbjt": "mni", "optr": 5, "thld": threshold}}


def raise_flag(cse: CSEProcess, flag_id: str, owner: str, value: int = 100) -> None:
    rsc, body = cse.client.update(sp(cse, flag_id), {"m2m:cnt": {"mni": value}}, owner)
    assert rsc == 2004, body
