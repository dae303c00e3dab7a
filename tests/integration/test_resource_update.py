"""UPDATE of a `<softwareCampaign>` over oneM2M HTTP (TS-0001 10.2.28.3.3).

While a campaign has not finished (NOT_YET_STARTED or IN_PROGRESS) the attributes that
define it are locked; the universal ones (labels, expirationTime, accessControlPolicyIDs)
stay updatable. Once it has finished, here in ERROR, a new definition is accepted and
starts a new run. Each test uses its own AE, `<node>` and campaign on the session CSE.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from resource_scene import ERROR, IN_PROGRESS, NOT_YET_STARTED, Scene, make_scene, trigger

pytestmark = pytest.mark.integration

LOCKED = {
    "swvr": ("softwareVersion", "2.0"),
    "swnm": ("softwareName", "other-fw"),
    "swur": ("softwareURL", "https://example.org/other.bin"),
    "swtg": ("softwareTargets", None),
    "swop": ("softwareOperation", 2),
    "swtc": ("softwareTriggerCriteria", None),
}
ALL_RIGHTS, RETRIEVE = 63, 2


@pytest.fixture
def scene(cse) -> Scene:
    return make_scene(cse)


@pytest.fixture
def waiting(scene: Scene) -> dict:
    """A campaign held back by its trigger: NOT_YET_STARTED for as long as the test."""
    return scene.create_ok(scene.body())


@pytest.fixture
def failed(scene: Scene) -> dict:
    """A campaign without trigger whose run failed on the admin's node: ERROR."""
    campaign = scene.create_ok(scene.body(swtc=...))
    return scene.wait_status(campaign["rn"], ERROR)


def new_value(scene: Scene, attribute: str):
    value = LOCKED[attribute][1]
    if attribute == "swtg":
        return [make_scene(scene.cse).node_id]
    if attribute == "swtc":
        return [trigger(scene.container_id, "cni", 1, 77777)]
    return value


@pytest.mark.parametrize("attribute", list(LOCKED))
def test_the_definition_is_locked_until_the_campaign_finishes(
    scene: Scene, waiting: dict, attribute: str
) -> None:
    rsc, answer = scene.update(waiting["rn"], {attribute: new_value(scene, attribute)})

    assert rsc == 4005, answer
    assert LOCKED[attribute][0] in answer["m2m:dbg"]
    assert "NOT_YET_STARTED" in answer["m2m:dbg"]
    assert scene.retrieve(waiting["rn"])[attribute] == waiting[attribute]


def test_a_locked_attribute_in_a_mixed_update_rejects_all_of_it(
    scene: Scene, waiting: dict
) -> None:
    rsc, answer = scene.update(waiting["rn"], {"lbl": ["mixed"], "swvr": "9.9"})

    assert rsc == 4005, answer
    stored = scene.retrieve(waiting["rn"])
    assert stored["swvr"] == "1.0" and "lbl" not in stored


def test_labels_can_be_updated_while_waiting(scene: Scene, waiting: dict) -> None:
    rsc, answer = scene.update(waiting["rn"], {"lbl": ["site:berlin", "wave:1"]})

    assert rsc == 2004, answer
    stored = scene.retrieve(waiting["rn"])
    assert stored["lbl"] == ["site:berlin", "wave:1"]
    assert stored["agss"] == NOT_YET_STARTED
    assert stored["inss"] == waiting["inss"] and stored["swlk"] == []


def test_the_expiration_time_can_be_updated_while_waiting(scene: Scene, waiting: dict) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y%m%dT%H%M%S")

    rsc, answer = scene.update(waiting["rn"], {"et": tomorrow})

    assert rsc == 2004, answer
    assert scene.retrieve(waiting["rn"])["et"].startswith(tomorrow)


def test_access_control_policies_can_be_set_and_take_effect(scene: Scene, waiting: dict) -> None:
    reader = make_scene(scene.cse)
    assert scene.client.retrieve(scene.path(waiting["rn"]), reader.ae)[0] == 4103
    rules = {
        "acr": [{"acor": [scene.ae], "acop": ALL_RIGHTS}, {"acor": [reader.ae], "acop": RETRIEVE}]
    }
    acp = {"m2m:acp": {"rn": f"acp-{waiting['rn']}", "pv": rules, "pvs": rules}}
    rsc, answer = scene.client.create(scene.cse.cse_path, 1, acp, scene.ae)
    assert rsc == 2001, answer

    rsc, answer = scene.update(waiting["rn"], {"acpi": [answer["m2m:acp"]["ri"]]})

    assert rsc == 2004, answer
    assert scene.client.retrieve(scene.path(waiting["rn"]), reader.ae)[0] == 2000
    assert scene.update(waiting["rn"], {"lbl": ["still-mine"]})[0] == 2004


@pytest.mark.parametrize("attribute", ["swvr", "swnm", "swur", "swtg", "swop"])
def test_a_mandatory_attribute_cannot_be_removed(
    scene: Scene, failed: dict, attribute: str
) -> None:
    # On a finished campaign, so that the lock does not answer first.
    rsc, answer = scene.update(failed["rn"], {attribute: None})

    assert rsc == 4000, answer
    assert attribute in answer["m2m:dbg"] or LOCKED[attribute][0] in answer["m2m:dbg"]
    assert scene.retrieve(failed["rn"])[attribute] == failed[attribute]


def test_the_cse_set_status_cannot_be_updated(scene: Scene, waiting: dict) -> None:
    rsc, answer = scene.update(waiting["rn"], {"agss": ERROR})

    assert rsc == 4000, answer
    assert "agss" in answer["m2m:dbg"]


def test_after_an_error_a_new_version_starts_a_new_run(scene: Scene, failed: dict) -> None:
    rsc, answer = scene.update(failed["rn"], {"swvr": "2.0"})

    assert rsc == 2004, answer
    updated = answer["m2m:swc"]
    assert updated["swvr"] == "2.0"
    assert updated["agss"] in (NOT_YET_STARTED, IN_PROGRESS)
    assert all(entry["swst"] in (NOT_YET_STARTED, IN_PROGRESS) for entry in updated["inss"])
    # The new run fails on the same node as the first did.
    assert scene.wait_status(failed["rn"], ERROR)["swvr"] == "2.0"


def test_after_an_error_a_held_back_definition_waits_again(scene: Scene, failed: dict) -> None:
    rsc, answer = scene.update(failed["rn"], {"swvr": "2.0", "swtc": scene.held_back()})

    assert rsc == 2004, answer
    stored = scene.retrieve(failed["rn"])
    assert stored["agss"] == NOT_YET_STARTED
    assert [entry["swst"] for entry in stored["inss"]] == [NOT_YET_STARTED]
    # Waiting again means locked again.
    assert scene.update(failed["rn"], {"swvr": "3.0"})[0] == 4005


def test_after_an_error_a_new_definition_is_checked_like_a_create(
    scene: Scene, failed: dict
) -> None:
    rsc, answer = scene.update(failed["rn"], {"swtg": [scene.container_id]})

    assert rsc == 4000, answer
    assert "not a <node>" in answer["m2m:dbg"]
    stored = scene.retrieve(failed["rn"])
    assert stored["swtg"] == failed["swtg"] and stored["agss"] == ERROR


def test_after_an_error_an_update_into_a_conflict_is_refused(scene: Scene, failed: dict) -> None:
    blocker = scene.create_ok(scene.body(swnm=failed["swnm"], swvr="5.0", swtc=scene.held_back()))

    rsc, answer = scene.update(failed["rn"], {"swvr": "6.0", "swtc": scene.held_back()})

    assert rsc == 4105, answer
    assert blocker["ri"] in answer["m2m:dbg"]
    assert scene.retrieve(failed["rn"])["swvr"] == failed["swvr"]
