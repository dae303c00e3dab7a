"""Campaigns across a CSE hierarchy: an IN-CSE hosts the campaign, an MN-CSE registree
hosts `<node>`s and the simulated device agent; and a Hosting CSE restarting mid-run.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cse import CSEProcess, wait_until
from fleet import (
    ADMIN,
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    make_nodes,
    register_ae,
    software_of,
    statuses,
    wait_finished,
)

SETTINGS = {"plugin.swc": {"agentDelay": 0.3, "targetTimeout": 30, "statusWriteInterval": 0.2}}


def hierarchy(factory: Callable[..., CSEProcess], db: str = "memory") -> tuple[CSEProcess, ...]:
    """An IN-CSE and an MN-CSE registered to it, both with the device agent."""
    infrastructure = factory(db=db, settings=SETTINGS, agent=True)
    middle = factory(
        cse_type="MN", registrar_port=infrastructure.port, settings=SETTINGS, agent=True
    )
    middle.wait_registered(infrastructure)
    return infrastructure, middle


def test_a_campaign_drives_local_and_registree_targets(cse_factory) -> None:
    infrastructure, middle = hierarchy(cse_factory)
    ae = register_ae(infrastructure)
    local = make_nodes(infrastructure, 1, [ae])
    # The registree sees the AE's requests with the AE's SP-relative ID.
    remote = make_nodes(middle, 3, [f"/id-in/{ae}", ae], labels=[[], ["swcsim:fail"], []])
    path = create_campaign(infrastructure, ae, campaign_body(local + remote))

    done = wait_finished(infrastructure, path, ae)

    assert done["agss"] == STATUS.ERROR
    assert statuses(done) == [
        STATUS.INSTALLED,
        STATUS.INSTALLED,
        STATUS.ERROR,
        STATUS.INSTALLED,
    ]
    remote_link = done["inss"][1]["swri"]
    assert remote_link.startswith("/id-mn/")
    assert software_of(middle, remote_link)["ins"]["sus"] == 1


def test_status_changes_while_the_hosting_cse_is_down_are_caught_up_after_restart(
    cse_factory,
) -> None:
    infrastructure, middle = hierarchy(cse_factory, db="tinydb")
    ae = register_ae(infrastructure)
    remote = make_nodes(middle, 2, [f"/id-in/{ae}", ae], labels=[["swcsim:delay=4"], []])
    path = create_campaign(infrastructure, ae, campaign_body(remote))
    wait_until(lambda: campaign(infrastructure, path, ae)["inss"][1]["swst"] == 3, 15)
    slow = campaign(infrastructure, path, ae)["inss"][0]
    assert slow["swst"] == STATUS.IN_PROGRESS

    infrastructure.stop()
    wait_until(lambda: software_of(middle, slow["swri"]).get("ins", {}).get("sus") == 1, 15)
    time.sleep(0.5)
    infrastructure.start()

    done = wait_finished(infrastructure, path, ae, timeout=20)
    assert done["agss"] == STATUS.INSTALLED
    assert done["inss"][0]["swri"] == slow["swri"]  # the same [software], not a second one


def test_a_restarted_hosting_cse_goes_on_with_the_targets_it_had_not_started(
    cse_factory,
) -> None:
    settings = {"plugin.swc": {**SETTINGS["plugin.swc"], "parallelTargets": 1}}
    hosting = cse_factory(db="tinydb", settings=settings, agent=True)
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 12, [ae])
    path = create_campaign(hosting, ae, campaign_body(nodes))
    wait_until(lambda: campaign(hosting, path, ae)["swlk"], 10, 0.05)

    hosting.stop()
    hosting.start()

    done = wait_finished(hosting, path, ae, timeout=40)
    assert done["agss"] == STATUS.INSTALLED
    assert len(set(done["swlk"])) == 12
    rsc, uris = hosting.client.discover(hosting.cse_path, ADMIN, {"ty": 13})
    assert rsc == 2000
    assert len(uris) == 12  # one [software] per target, none created twice


def test_a_trigger_subject_on_the_registree_starts_the_campaign_when_it_changes(
    cse_factory,
) -> None:
    infrastructure, middle = hierarchy(cse_factory)
    ae = register_ae(infrastructure)
    nodes = make_nodes(infrastructure, 1, [ae])
    flag = remote_flag(middle, readers=[f"/id-in/{ae}", ae])
    criterion = {"sri": flag, "evc": {"sbjt": "mni", "optr": 5, "thld": 100}}
    path = create_campaign(infrastructure, ae, campaign_body(nodes, swtc=[criterion]))

    time.sleep(2)
    assert campaign(infrastructure, path, ae)["agss"] == STATUS.NOT_YET_STARTED

    rsc, body = middle.client.update(f"/~{flag}", {"m2m:cnt": {"mni": 200}}, ADMIN)
    assert rsc == 2004, body
    assert wait_finished(infrastructure, path, ae)["agss"] == STATUS.INSTALLED


def remote_flag(host: CSEProcess, readers: list[str]) -> str:
    """A `<container>` on `host` that `readers` may read; return its SP-relative ID."""
    rsc, body = host.client.create(
        host.cse_path,
        1,
        {
            "m2m:acp": {
                "rn": "acpFlagReaders",
                "pv": {"acr": [{"acor": readers, "acop": 63}]},
                "pvs": {"acr": [{"acor": [ADMIN], "acop": 63}]},
            }
        },
        ADMIN,
    )
    assert rsc == 2001, body
    rsc, body = host.client.create(
        host.cse_path,
        3,
        {"m2m:cnt": {"mni": 1, "acpi": [f"{host.cse_name}/acpFlagReaders"]}},
        ADMIN,
    )
    assert rsc == 2001, body
    return f"{host.csi}/{body['m2m:cnt']['ri']}"
