"""A campaign runs on one Hosting CSE: targets, operations, outcomes, timeouts, DELETE.

One IN-CSE with the campaign plugin and the simulated device agent serves the module;
its `<node>`s are local. Each test makes its own AE, nodes and campaign.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from cse import CSEProcess, wait_until
from fleet import (
    ADMIN,
    OPERATION,
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    flag_criterion,
    make_flag,
    make_nodes,
    raise_flag,
    register_ae,
    software_of,
    sp,
    statuses,
    wait_finished,
)
from notifications import NotificationReceiver

TIMEOUT = 6
"""`targetTimeout` of this module's CSE, seconds."""

SETTINGS = {
    "plugin.swc": {
        "agentDelay": 0.3,
        "agentSeed": 1,
        "targetTimeout": TIMEOUT,
        "statusWriteInterval": 0.2,
    }
}


@pytest.fixture(scope="module")
def hosting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    process = CSEProcess(tmp_path_factory.mktemp("hosting"), settings=SETTINGS, agent=True)
    try:
        yield process.start()
    finally:
        process.stop()


def test_install_reaches_every_target_and_copies_the_software(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 3, [ae])
    path = create_campaign(hosting, ae, campaign_body(nodes, version="2.1", name="thermo"))

    done = wait_finished(hosting, path, ae)

    assert done["agss"] == STATUS.INSTALLED
    assert statuses(done) == [STATUS.INSTALLED] * 3
    assert [entry["tgt"] for entry in done["inss"]] == nodes
    assert len(done["swlk"]) == 3
    for entry in done["inss"]:
        software = software_of(hosting, entry["swri"])
        assert (software["vr"], software["swn"]) == ("2.1", "thermo")
        assert software["url"] == "http://127.0.0.1/packages/app.tar.gz"
        assert software["ins"]["sus"] == 1
        assert entry["swri"] in done["swlk"]


@pytest.mark.parametrize(
    ("operation", "report", "expected"),
    [
        (OPERATION.UNINSTALL, "ins", STATUS.UNINSTALLED),
        (OPERATION.ACTIVATE, "acts", STATUS.ACTIVATED),
        (OPERATION.DEACTIVATE, "acts", STATUS.DEACTIVATED),
    ],
)
def test_every_operation_reaches_its_own_status(
    hosting: CSEProcess, operation: int, report: str, expected: int
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae])
    path = create_campaign(hosting, ae, campaign_body(nodes, operation))

    done = wait_finished(hosting, path, ae)

    assert done["agss"] == expected
    assert statuses(done) == [expected] * 2
    software = software_of(hosting, done["inss"][0]["swri"])
    assert software[report]["sus"] == 1


def test_one_failing_device_makes_the_campaign_error_and_the_others_finish(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 3, [ae], labels=[[], ["swcsim:fail"], []])
    path = create_campaign(hosting, ae, campaign_body(nodes))

    done = wait_finished(hosting, path, ae)

    assert done["agss"] == STATUS.ERROR
    assert statuses(done) == [STATUS.INSTALLED, STATUS.ERROR, STATUS.INSTALLED]


def test_a_target_the_creator_may_not_manage_is_error_without_software(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    other = register_ae(hosting)
    allowed = make_nodes(hosting, 1, [ae])
    forbidden = make_nodes(hosting, 1, [other])
    path = create_campaign(hosting, ae, campaign_body(allowed + forbidden))

    done = wait_finished(hosting, path, ae)

    assert statuses(done) == [STATUS.INSTALLED, STATUS.ERROR]
    assert "swri" not in done["inss"][1]
    assert len(done["swlk"]) == 1


def test_a_silent_device_becomes_error_after_the_target_timeout(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae], labels=[["swcsim:silent"], []])
    started = time.monotonic()
    path = create_campaign(hosting, ae, campaign_body(nodes))

    wait_until(lambda: campaign(hosting, path, ae)["inss"][1]["swst"] == STATUS.INSTALLED, 10)
    assert campaign(hosting, path, ae)["agss"] == STATUS.IN_PROGRESS

    done = wait_finished(hosting, path, ae, timeout=TIMEOUT + 10)
    assert time.monotonic() - started >= TIMEOUT
    assert done["agss"] == STATUS.ERROR
    assert statuses(done) == [STATUS.ERROR, STATUS.INSTALLED]


def test_software_deleted_by_someone_else_during_the_run_is_an_error(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae], labels=[["swcsim:delay=4"], []])
    path = create_campaign(hosting, ae, campaign_body(nodes))
    slow = wait_until(lambda: campaign(hosting, path, ae)["inss"][0].get("swri"), 10)

    rsc, _ = hosting.client.delete(sp(hosting, slow), ADMIN)
    assert rsc == 2002

    done = wait_finished(hosting, path, ae)
    assert statuses(done) == [STATUS.ERROR, STATUS.INSTALLED]


def test_subscribers_of_the_campaign_are_notified_of_its_progress(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae])
    trigger = make_flag(hosting, ae)
    path = create_campaign(hosting, ae, campaign_body(nodes, swtc=[flag_criterion(trigger)]))

    with NotificationReceiver() as receiver:
        rsc, body = hosting.client.create(
            path, 23, {"m2m:sub": {"nu": [receiver.url], "enc": {"net": [1]}}}, ae
        )
        assert rsc == 2001, body
        raise_flag(hosting, trigger, ae)

        def campaign_status(notification: dict) -> int | None:
            representation = notification.get("nev", {}).get("rep", {})
            return representation.get("m2m:swc", {}).get("agss")

        receiver.wait_for(lambda n: campaign_status(n) == STATUS.IN_PROGRESS)
        final = receiver.wait_for(lambda n: campaign_status(n) == STATUS.INSTALLED)
    assert statuses(final["nev"]["rep"]["m2m:swc"]) == [STATUS.INSTALLED] * 2


def test_an_update_after_the_end_starts_a_new_run(hosting: CSEProcess) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae])
    path = create_campaign(hosting, ae, campaign_body(nodes, version="1.0"))
    first = wait_finished(hosting, path, ae)

    rsc, body = hosting.client.update(path, {"m2m:swc": {"swvr": "1.1"}}, ae)
    assert rsc == 2004, body

    second = wait_until(
        lambda: (
            (c := campaign(hosting, path, ae))["agss"] == STATUS.INSTALLED
            and set(c["swlk"]).isdisjoint(first["swlk"])
            and c
        ),
        20,
    )
    assert statuses(second) == [STATUS.INSTALLED] * 2
    assert software_of(hosting, second["swlk"][0])["vr"] == "1.1"


def test_delete_during_the_run_removes_its_subscriptions_but_keeps_the_software(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae], labels=[["swcsim:delay=5"]])
    path = create_campaign(hosting, ae, campaign_body(nodes))
    swri = wait_until(lambda: campaign(hosting, path, ae)["inss"][0].get("swri"), 10)
    wait_until(lambda: subscriptions_of(hosting, swri), 10)

    rsc, _ = hosting.client.delete(path, ae)
    assert rsc == 2002

    wait_until(lambda: not subscriptions_of(hosting, swri), 10)
    assert software_of(hosting, swri)["swn"]


def subscriptions_of(cse: CSEProcess, swri: str) -> list[str]:
    rsc, uris = cse.client.discover(sp(cse, swri), ADMIN, {"ty": 23})
    assert rsc == 2000
    return uris


@pytest.mark.parametrize("attempt", range(3))
def test_many_targets_finishing_at_once_are_all_counted(hosting: CSEProcess, attempt) -> None:
    ae = register_ae(hosting)
    labels = [["swcsim:delay=0"] + (["swcsim:fail"] if i % 3 == 0 else []) for i in range(60)]
    nodes = make_nodes(hosting, 60, [ae], labels=labels)
    path = create_campaign(hosting, ae, campaign_body(nodes))

    done = wait_finished(hosting, path, ae, timeout=60)

    expected = [STATUS.ERROR if i % 3 == 0 else STATUS.INSTALLED for i in range(60)]
    assert statuses(done) == expected
    assert done["agss"] == STATUS.ERROR
    assert len(done["swlk"]) == 60


def test_a_notify_not_from_the_campaigns_subscription_changes_nothing(
    hosting: CSEProcess,
) -> None:
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 1, [ae], labels=[["swcsim:silent"]])
    path = create_campaign(hosting, ae, campaign_body(nodes))
    swri = wait_until(lambda: campaign(hosting, path, ae)["inss"][0].get("swri"), 10)
    real_subscription = wait_until(lambda: subscriptions_of(hosting, swri), 10)[0]

    failure = {"m2m:swr": {"ins": {"acn": "install", "sus": 2}}}
    forgeries = [
        ("/id-in/subForged", ae),  # a subscription the campaign never made
        (f"/id-in/{real_subscription.split('/')[-1]}", ae),  # the real one, wrong sender
        (f"/id-in/{real_subscription.split('/')[-1]}", "/id-mn"),  # the real one, another CSE
    ]
    for subscription, sender in forgeries:
        notification = {"m2m:sgn": {"nev": {"net": 1, "rep": failure}, "sur": subscription}}
        rsc, answer = hosting.client.request("POST", path, sender, body=notification)
        assert rsc == 4103, answer
        assert answer.get("m2m:dbg")

    time.sleep(1)
    current = campaign(hosting, path, ae)
    assert statuses(current) == [STATUS.IN_PROGRESS]
    assert current["agss"] == STATUS.IN_PROGRESS


def test_delete_removes_the_software_too_when_configured(cse_factory) -> None:
    settings = {"plugin.swc": {**SETTINGS["plugin.swc"], "deleteSoftwareOnDelete": "true"}}
    cse = cse_factory(settings=settings, agent=True)
    ae = register_ae(cse)
    nodes = make_nodes(cse, 2, [ae])
    path = create_campaign(cse, ae, campaign_body(nodes))
    links = wait_finished(cse, path, ae)["swlk"]

    rsc, _ = cse.client.delete(path, ae)
    assert rsc == 2002

    wait_until(
        lambda: all(cse.client.retrieve(sp(cse, link), ADMIN)[0] == 4004 for link in links), 10
    )
