"""When a campaign starts: trigger criteria on local subjects and `<schedule>` windows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cse import CSEProcess, wait_until
from fleet import (
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    flag_criterion,
    make_flag,
    make_nodes,
    raise_flag,
    register_ae,
    sp,
    statuses,
    wait_finished,
)

SETTINGS = {"plugin.swc": {"agentDelay": 0.2, "targetTimeout": 20, "statusWriteInterval": 0.2}}
QUIET = 3
"""Seconds a campaign that must not start is watched."""


@pytest.fixture(scope="module")
def hosting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    process = CSEProcess(tmp_path_factory.mktemp("starts"), settings=SETTINGS, agent=True)
    try:
        yield process.start()
    finally:
        process.stop()


def stays_not_started(cse: CSEProcess, path: str, originator: str) -> bool:
    deadline = time.monotonic() + QUIET
    while time.monotonic() < deadline:
        current = campaign(cse, path, originator)
        if current["agss"] != STATUS.NOT_YET_STARTED or current.get("swlk"):
            return False
        time.sleep(0.3)
    return True


def test_a_campaign_waits_for_its_trigger_and_starts_when_the_subject_changes(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae])
    flag = make_flag(hosting, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(flag)]))

    assert stays_not_started(hosting, path, ae)
    raise_flag(hosting, flag, ae, value=50)  # still below the threshold of 100
    assert stays_not_started(hosting, path, ae)

    raise_flag(hosting, flag, ae, value=150)
    done = wait_finished(hosting, path, ae)
    assert statuses(done) == [STATUS.INSTALLED] * 2


def test_a_trigger_that_holds_at_create_starts_at_once(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae])
    flag = make_flag(hosting, ae)
    raise_flag(hosting, flag, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(flag)]))

    assert wait_finished(hosting, path, ae, timeout=10)["agss"] == STATUS.INSTALLED


def test_every_criterion_must_hold(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae])
    first, second = make_flag(hosting, ae), make_flag(hosting, ae)
    criteria = [flag_criterion(first), flag_criterion(second)]
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=criteria))

    raise_flag(hosting, first, ae)
    assert stays_not_started(hosting, path, ae)
    raise_flag(hosting, second, ae)
    assert wait_finished(hosting, path, ae)["agss"] == STATUS.INSTALLED


def schedule_now_excluded() -> str:
    """A schedule whose only window is a minute that is not the current one."""
    minute = (datetime.now(UTC).minute + 30) % 60
    return f"* {minute} * * * * *"


def add_schedule(cse: CSEProcess, campaign_path: str, owner: str, pattern: str) -> str:
    rsc, body = cse.client.create(campaign_path, 18, {"m2m:sch": {"se": {"sce": [pattern]}}}, owner)
    assert rsc == 2001, body
    return f"{campaign_path}/{body['m2m:sch']['rn']}"


def test_a_triggered_start_outside_every_window_waits_for_a_window_that_appears(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae])
    flag = make_flag(hosting, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(flag)]))
    schedule = add_schedule(hosting, path, ae, schedule_now_excluded())

    raise_flag(hosting, flag, ae)
    assert stays_not_started(hosting, path, ae)

    rsc, body = hosting.client.update(schedule, {"m2m:sch": {"se": {"sce": ["* * * * * * *"]}}}, ae)
    assert rsc == 2004, body
    assert wait_finished(hosting, path, ae)["agss"] == STATUS.INSTALLED


def test_a_pending_start_begins_when_its_window_opens(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae])
    flag = make_flag(hosting, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(flag)]))

    now = datetime.now(UTC)
    opens = (now.second + 6) % 60
    if opens < 6:  # the window would wrap into the next minute: keep the test simple
        time.sleep(8)
        now = datetime.now(UTC)
        opens = (now.second + 6) % 60
    add_schedule(hosting, path, ae, f"{opens}-{min(opens + 10, 59)} * * * * * *")
    raise_flag(hosting, flag, ae)

    assert campaign(hosting, path, ae)["agss"] == STATUS.NOT_YET_STARTED
    in_progress = wait_until(
        lambda: campaign(hosting, path, ae)["agss"] != STATUS.NOT_YET_STARTED, 15, 0.2
    )
    assert in_progress
    assert datetime.now(UTC).second >= opens
    assert wait_finished(hosting, path, ae)["agss"] == STATUS.INSTALLED


def test_a_window_closing_does_not_interrupt_work_under_way(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae], labels=[["swcsim:delay=3"]])
    path = create_campaign(hosting, ae, campaign_body(nodes))
    schedule = wait_until(lambda: campaign(hosting, path, ae)["swlk"], 10) and add_schedule(
        hosting, path, ae, schedule_now_excluded()
    )

    assert schedule
    assert wait_finished(hosting, path, ae)["agss"] == STATUS.INSTALLED


def test_a_software_of_the_run_that_exists_already_is_taken_over_not_duplicated(
    hosting: CSEProcess,
) -> None:
    """What a restart between creating a target's [software] and recording it leaves."""
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae])
    flag = make_flag(hosting, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(flag)]))
    ri = campaign(hosting, path, ae)["ri"]
    body = {"mgd": 1002, "rn": f"{ri}-1", "vr": "1.0", "swn": "app", "url": "http://127.0.0.1/a"}
    rsc, created = hosting.client.create(sp(hosting, nodes[0]), 13, {"m2m:swr": body}, ae)
    assert rsc == 2001, created

    raise_flag(hosting, flag, ae)

    done = wait_finished(hosting, path, ae)
    assert done["agss"] == STATUS.INSTALLED
    assert done["swlk"] == [created["m2m:swr"]["ri"]]
