"""Who may do what with a campaign: targets on a registree the creator may not manage,
and campaigns of one AE seen by another.

Related checks live with their subject: a target on the Hosting CSE the creator may
not manage (test_campaign_run.py), a trigger subject the creator may not read
(test_resource_create.py, 4103 at CREATE), forged NOTIFYs (test_campaign_run.py) and
DELETE by another AE (test_resource_lifecycle.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cse import CSEProcess
from fleet import (
    ADMIN,
    CAMPAIGN,
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    make_nodes,
    register_ae,
    statuses,
    unique,
    wait_finished,
)
from reliability_helpers import software_under

pytestmark = pytest.mark.integration

SETTINGS = {"plugin.swc": {"agentDelay": 0.2, "targetTimeout": 20, "statusWriteInterval": 0.2}}


def test_a_registree_target_the_creator_may_not_manage_is_error_without_software(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    infrastructure = cse_factory(settings=SETTINGS, agent=True)
    middle = cse_factory(
        cse_type="MN", registrar_port=infrastructure.port, settings=SETTINGS, agent=True
    )
    middle.wait_registered(infrastructure)
    creator, other = register_ae(infrastructure), register_ae(infrastructure)
    allowed = make_nodes(middle, 1, [f"/id-in/{creator}", creator])
    # The registree's ACP lets only the other AE manage this node.
    forbidden = make_nodes(middle, 1, [f"/id-in/{other}", other])
    path = create_campaign(infrastructure, creator, campaign_body(allowed + forbidden))

    done = wait_finished(infrastructure, path, creator)

    assert statuses(done) == [STATUS.INSTALLED, STATUS.ERROR]
    assert done["agss"] == STATUS.ERROR
    assert "swri" not in done["inss"][1] and len(done["swlk"]) == 1
    assert software_under(middle, forbidden[0]) == []
    assert len(software_under(middle, allowed[0])) == 1


def test_another_ae_neither_reads_nor_changes_a_campaign_without_an_acp(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    cse = cse_factory(settings=SETTINGS, agent=True)
    owner, stranger = register_ae(cse), register_ae(cse)
    nodes = make_nodes(cse, 1, [owner])
    path = create_campaign(cse, owner, campaign_body(nodes))
    wait_finished(cse, path, owner)

    assert cse.client.retrieve(path, stranger)[0] == 4103
    rsc, answer = cse.client.update(path, {"m2m:swc": {"lbl": ["mine"]}}, stranger)
    assert rsc == 4103 and answer.get("m2m:dbg"), answer
    assert cse.client.delete(path, stranger)[0] == 4103
    assert cse.client.discover(cse.cse_path, stranger, {"ty": CAMPAIGN}) == (2000, [])
    assert "lbl" not in campaign(cse, path, owner)


def test_an_acp_of_the_owner_lets_another_ae_read_but_not_change_a_campaign(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    cse = cse_factory(settings=SETTINGS, agent=True)
    owner, reader = register_ae(cse), register_ae(cse)
    nodes = make_nodes(cse, 1, [owner])
    path = create_campaign(cse, owner, campaign_body(nodes))
    done = wait_finished(cse, path, owner)
    acp = unique("acpReader")
    rsc, answer = cse.client.create(
        cse.cse_path,
        1,
        {
            "m2m:acp": {
                "rn": acp,
                "pv": {"acr": [{"acor": [owner], "acop": 63}, {"acor": [reader], "acop": 34}]},
                "pvs": {"acr": [{"acor": [owner, ADMIN], "acop": 63}]},
            }
        },
        ADMIN,
    )
    assert rsc == 2001, answer
    rsc, answer = cse.client.update(path, {"m2m:swc": {"acpi": [f"{cse.cse_name}/{acp}"]}}, owner)
    assert rsc == 2004, answer

    rsc, seen = cse.client.retrieve(path, reader)
    assert rsc == 2000 and statuses(seen["m2m:swc"]) == statuses(done)
    rsc, found = cse.client.discover(cse.cse_path, reader, {"ty": CAMPAIGN})
    assert rsc == 2000 and found == [f"{cse.cse_name}/{path.rsplit('/', 1)[-1]}"], found
    assert cse.client.update(path, {"m2m:swc": {"lbl": ["mine"]}}, reader)[0] == 4103
    assert cse.client.delete(path, reader)[0] == 4103
    assert cse.client.update(path, {"m2m:swc": {"lbl": ["owner"]}}, owner)[0] == 2004
