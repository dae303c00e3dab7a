"""RETRIEVE, discovery, children and DELETE of a `<softwareCampaign>`, and the campaign
resource across a CSE reset and a restart (TS-0001 10.2.28.3.2, 10.2.28.3.4).

Most tests share the session IN-CSE; the reset and restart tests start CSEs of their
own. Every campaign inspected here is held back by a trigger criterion that does not
hold, so it stays NOT_YET_STARTED.
"""

from __future__ import annotations

import time

import pytest
from cse import ADMIN
from resource_scene import (
    CAMPAIGN,
    NOT_YET_STARTED,
    NotificationReceiver,
    Scene,
    make_scene,
    unique,
)

pytestmark = pytest.mark.integration

SUBSCRIPTION, SCHEDULE = 23, 18
UPDATE_OF_RESOURCE = 1
ATTRIBUTES, ATTRIBUTES_AND_CHILDREN, CHILD_REFERENCES, CHILD_RESOURCES = 1, 4, 6, 8
ALWAYS = "* * * * * * *"
TINYDB_WRITE_DELAY = 1.0


@pytest.fixture
def scene(cse) -> Scene:
    return make_scene(cse)


def add_children(scene: Scene, name: str, notify_to: str) -> tuple[dict, dict]:
    """A `<subscription>` (to `notify_to`) and a `<schedule>` under the campaign."""
    subscription = {"m2m:sub": {"rn": "sub", "nu": [notify_to], "enc": {"net": [1]}}}
    rsc, sub = scene.client.create(scene.path(name), SUBSCRIPTION, subscription, scene.ae)
    assert rsc == 2001, sub
    schedule = {"m2m:sch": {"rn": "sch", "se": {"sce": [ALWAYS]}}}
    rsc, sch = scene.client.create(scene.path(name), SCHEDULE, schedule, scene.ae)
    assert rsc == 2001, sch
    return sub["m2m:sub"], sch["m2m:sch"]


# --- RETRIEVE and discovery -----------------------------------------------------------


def test_retrieve_with_the_result_contents_acme_offers(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())
    name = campaign["rn"]
    add_children(scene, name, scene.ae)

    def get(rcn: int) -> dict:
        rsc, answer = scene.client.retrieve(scene.path(name), scene.ae, params={"rcn": rcn})
        assert rsc == 2000, f"rcn={rcn}: {rsc} {answer}"
        return answer

    assert get(ATTRIBUTES)["m2m:swc"]["ri"] == campaign["ri"]
    assert "m2m:sub" not in get(ATTRIBUTES)["m2m:swc"]

    with_children = get(ATTRIBUTES_AND_CHILDREN)["m2m:swc"]
    assert with_children["swvr"] == "1.0" and with_children["agss"] == NOT_YET_STARTED
    assert [child["rn"] for child in with_children["m2m:sub"]] == ["sub"]
    assert [child["rn"] for child in with_children["m2m:sch"]] == ["sch"]

    references = get(CHILD_REFERENCES)["m2m:rrl"]["rrf"]
    assert sorted((ref["nm"], ref["typ"]) for ref in references) == [
        ("sch", SCHEDULE),
        ("sub", SUBSCRIPTION),
    ]

    children_only = get(CHILD_RESOURCES)["m2m:swc"]
    assert "swvr" not in children_only and len(children_only["m2m:sub"]) == 1


def test_discovery_by_type_and_label_finds_the_campaigns(scene: Scene) -> None:
    tag = unique("wave")
    tagged = scene.create_ok(scene.body(lbl=[tag]))
    untagged = scene.create_ok(scene.body())
    cse_name = scene.cse.cse_name

    rsc, by_type = scene.client.discover(scene.cse.cse_path, scene.ae, {"ty": CAMPAIGN})
    rsc_label, by_label = scene.client.discover(
        scene.cse.cse_path, scene.ae, {"ty": CAMPAIGN, "lbl": tag}
    )

    assert rsc == 2000 and rsc_label == 2000
    assert {f"{cse_name}/{tagged['rn']}", f"{cse_name}/{untagged['rn']}"} <= set(by_type)
    assert by_label == [f"{cse_name}/{tagged['rn']}"]


def test_the_admin_discovers_campaigns_among_all_resources(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())

    rsc, everything = scene.client.discover(scene.cse.cse_path, ADMIN)

    assert rsc == 2000
    assert f"{scene.cse.cse_name}/{campaign['rn']}" in everything


# --- children ------------------------------------------------------------------------


def test_a_subscriber_is_notified_when_the_labels_change(cse) -> None:
    with NotificationReceiver() as receiver:
        scene = make_scene(cse)
        campaign = scene.create_ok(scene.body())
        subscription, _ = add_children(scene, campaign["rn"], receiver.url)
        receiver.next_matching(lambda body: body["m2m:sgn"].get("vrq") is True)

        rsc, answer = scene.update(campaign["rn"], {"lbl": ["notified"]})
        assert rsc == 2004, answer

        notice = receiver.next_matching(lambda body: "nev" in body["m2m:sgn"])
    event = notice["m2m:sgn"]
    assert event["nev"]["net"] == UPDATE_OF_RESOURCE
    assert event["sur"].endswith(subscription["ri"])
    represented = event["nev"]["rep"]["m2m:swc"]
    assert represented["ri"] == campaign["ri"] and represented["lbl"] == ["notified"]


def test_a_schedule_child_is_stored_and_the_campaign_keeps_waiting(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())
    schedule = {"m2m:sch": {"rn": "window", "se": {"sce": ["0 0 2 * * * *"]}}}

    rsc, answer = scene.client.create(scene.path(campaign["rn"]), SCHEDULE, schedule, scene.ae)

    assert rsc == 2001, answer
    assert answer["m2m:sch"]["pi"] == campaign["ri"]
    rsc, stored = scene.client.retrieve(f"{scene.path(campaign['rn'])}/window", scene.ae)
    assert rsc == 2000 and stored["m2m:sch"]["se"]["sce"] == ["0 0 2 * * * *"]
    assert scene.retrieve(campaign["rn"])["agss"] == NOT_YET_STARTED


def test_children_of_other_types_are_refused(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())

    rsc, answer = scene.client.create(
        scene.path(campaign["rn"]), 3, {"m2m:cnt": {"rn": "box"}}, scene.ae
    )

    assert rsc == 4108, answer  # INVALID_CHILD_RESOURCE_TYPE


# --- DELETE ---------------------------------------------------------------------------


def test_delete_removes_the_campaign_and_its_children(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())
    name = campaign["rn"]
    add_children(scene, name, scene.ae)

    rsc, answer = scene.client.delete(scene.path(name), scene.ae)

    assert rsc == 2002, answer
    assert scene.client.retrieve(scene.path(name), scene.ae)[0] == 4004
    for child in ("sub", "sch"):
        assert scene.client.retrieve(f"{scene.path(name)}/{child}", ADMIN)[0] == 4004
    rsc, found = scene.client.discover(scene.cse.cse_path, ADMIN, {"ty": CAMPAIGN})
    assert f"{scene.cse.cse_name}/{name}" not in found


def test_a_deleted_campaign_no_longer_blocks_a_conflicting_one(scene: Scene) -> None:
    first = scene.create_ok(scene.body())
    assert scene.create(scene.body(swnm=first["swnm"], swvr="2.0"))[0] == 4105

    assert scene.client.delete(scene.path(first["rn"]), scene.ae)[0] == 2002

    rsc, answer = scene.create(scene.body(swnm=first["swnm"], swvr="2.0"))
    assert rsc == 2001, answer


def test_another_ae_may_not_delete_the_campaign(scene: Scene) -> None:
    campaign = scene.create_ok(scene.body())
    stranger = make_scene(scene.cse)

    rsc, _ = scene.client.delete(scene.path(campaign["rn"]), stranger.ae)

    assert rsc == 4103
    assert scene.retrieve(campaign["rn"])["ri"] == campaign["ri"]


# --- reset and restart ------------------------------------------------------------------


def test_after_an_upper_tester_reset_an_ordinary_ae_can_still_create(cse_factory) -> None:
    cse = cse_factory(upper_tester=True)
    before = make_scene(cse)
    before.create_ok(before.body())

    cse.reset()

    assert cse.client.discover(cse.cse_path, ADMIN, {"ty": CAMPAIGN}) == (2000, [])
    after = make_scene(cse)
    campaign = after.create_ok(after.body())
    assert campaign["agss"] == NOT_YET_STARTED
    rsc, found = cse.client.discover(cse.cse_path, after.ae, {"ty": CAMPAIGN})
    assert rsc == 2000 and found == [f"{cse.cse_name}/{campaign['rn']}"]


def test_a_campaign_survives_a_restart_with_tinydb(cse_factory) -> None:
    cse = cse_factory(db="tinydb")
    scene = make_scene(cse)
    campaign = scene.create_ok(scene.body(lbl=["kept"]))
    # ACME's TinyDB buffers writes for `writeDelay` (1 s) and can lose the writes of
    # the last moment before a stop, for any resource type (a <container> created just
    # before the stop is gone too): give it time to write before stopping.
    time.sleep(TINYDB_WRITE_DELAY + 1.5)

    cse.restart()

    stored = scene.retrieve(campaign["rn"])
    assert stored["ri"] == campaign["ri"] and stored["lbl"] == ["kept"]
    assert stored["agss"] == NOT_YET_STARTED and stored["swtc"] == campaign["swtc"]
    assert stored["inss"] == campaign["inss"]
    rsc, answer = scene.update(campaign["rn"], {"swvr": "2.0"})
    assert rsc == 4005, answer
    rsc, answer = scene.create(scene.body(swnm=campaign["swnm"], swvr="2.0"))
    assert rsc == 4105, answer
    assert campaign["ri"] in answer["m2m:dbg"]
    rsc, found = cse.client.discover(cse.cse_path, scene.ae, {"ty": CAMPAIGN})
    assert found == [f"{cse.cse_name}/{campaign['rn']}"]
