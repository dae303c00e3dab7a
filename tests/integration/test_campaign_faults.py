"""Campaigns when a registree CSE is away: retried until `targetTimeout`, then ERROR."""

from __future__ import annotations

import time

from cse import CSEProcess
from fleet import (
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    make_nodes,
    register_ae,
    statuses,
    wait_finished,
)


def hierarchy(factory, timeout: int) -> tuple[CSEProcess, CSEProcess]:
    settings = {
        "plugin.swc": {"agentDelay": 0.3, "targetTimeout": timeout, "statusWriteInterval": 0.2}
    }
    infrastructure = factory(settings=settings, agent=True)
    middle = factory(
        db="tinydb",
        cse_type="MN",
        registrar_port=infrastructure.port,
        settings=settings,
        agent=True,
    )
    middle.wait_registered(infrastructure)
    return infrastructure, middle


def test_targets_on_a_registree_that_comes_back_in_time_complete(cse_factory) -> None:
    infrastructure, middle = hierarchy(cse_factory, timeout=60)
    ae = register_ae(infrastructure)
    local = make_nodes(infrastructure, 1, [ae])
    remote = make_nodes(middle, 2, [f"/id-in/{ae}", ae])
    time.sleep(1.5)  # TinyDB's buffered writes reach the disk
    middle.stop()

    path = create_campaign(infrastructure, ae, campaign_body(local + remote))
    time.sleep(4)
    waiting = campaign(infrastructure, path, ae)
    assert statuses(waiting) == [STATUS.INSTALLED, STATUS.NOT_YET_STARTED, STATUS.NOT_YET_STARTED]
    assert waiting["agss"] == STATUS.IN_PROGRESS

    middle.start()
    done = wait_finished(infrastructure, path, ae, timeout=60)
    assert statuses(done) == [STATUS.INSTALLED] * 3


def test_targets_on_a_registree_that_stays_away_end_as_error_and_the_others_finish(
    cse_factory,
) -> None:
    timeout = 8
    infrastructure, middle = hierarchy(cse_factory, timeout=timeout)
    ae = register_ae(infrastructure)
    local = make_nodes(infrastructure, 2, [ae])
    remote = make_nodes(middle, 1, [f"/id-in/{ae}", ae])
    middle.stop()

    started = time.monotonic()
    path = create_campaign(infrastructure, ae, campaign_body(remote + local))

    done = wait_finished(infrastructure, path, ae, timeout=timeout + 20)
    assert time.monotonic() - started >= timeout - 1
    assert statuses(done) == [STATUS.ERROR, STATUS.INSTALLED, STATUS.INSTALLED]
    assert done["agss"] == STATUS.ERROR
    rsc, _ = infrastructure.client.retrieve(infrastructure.cse_path, "CAdmin")
    assert rsc == 2000
