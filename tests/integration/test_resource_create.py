"""CREATE of a `<softwareCampaign>` over oneM2M HTTP (TS-0001 10.2.28.3.1).

An ordinary registered AE, not the admin, creates the campaigns on the session's
IN-CSE. Each test builds its own AE, `<node>` and trigger subject (`resource_scene`),
so the tests share the CSE without seeing each other's campaigns. A campaign that the
test inspects after creation carries a trigger criterion that does not hold, so the
campaign procedure leaves it NOT_YET_STARTED.
"""

from __future__ import annotations

import pytest
from resource_scene import ERROR, NOT_YET_STARTED, Scene, make_scene, trigger, unique

pytestmark = pytest.mark.integration

LONG_NAMES = {
    "swvr": "softwareVersion",
    "swnm": "softwareName",
    "swur": "softwareURL",
    "swtg": "softwareTargets",
    "swop": "softwareOperation",
}
EQUAL, GREATER_THAN = 1, 3


@pytest.fixture
def scene(cse) -> Scene:
    return make_scene(cse)


def refused(scene: Scene, body: dict, expected: int = 4000) -> str:
    """Create `body`, assert the answer code and that nothing was created; return dbg."""
    rsc, answer = scene.create(body)
    assert rsc == expected, f"expected {expected}, got {rsc} {answer}"
    name = body["m2m:swc"]["rn"]
    assert scene.client.retrieve(scene.path(name), scene.ae)[0] == 4004
    return answer.get("m2m:dbg", "")


# --- a valid campaign -----------------------------------------------------------------


def test_an_ordinary_ae_creates_a_campaign_that_has_not_started(scene: Scene) -> None:
    second_node = make_scene(scene.cse)
    body = scene.body(swtg=[scene.node_id, second_node.node_id])

    rsc, answer = scene.create(body)

    assert rsc == 2001, answer
    campaign = answer["m2m:swc"]
    assert campaign["ty"] == 67
    assert campaign["agss"] == NOT_YET_STARTED
    assert campaign["swlk"] == []
    assert [entry["tgt"] for entry in campaign["inss"]] == [scene.node_id, second_node.node_id]
    assert all(entry["swst"] == NOT_YET_STARTED for entry in campaign["inss"])
    assert all("swri" not in entry for entry in campaign["inss"])
    stored = scene.retrieve(campaign["rn"])
    assert stored["swvr"] == "1.0" and stored["agss"] == NOT_YET_STARTED
    assert stored["swtc"] == scene.held_back()


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("agss", NOT_YET_STARTED), ("swlk", []), ("inss", [])],
)
def test_attributes_set_by_the_cse_cannot_be_given(scene: Scene, attribute, value) -> None:
    dbg = refused(scene, scene.body(**{attribute: value}))

    assert attribute in dbg


@pytest.mark.parametrize("attribute", sorted(LONG_NAMES))
def test_each_mandatory_attribute_is_required(scene: Scene, attribute: str) -> None:
    dbg = refused(scene, scene.body(**{attribute: ...}))

    assert attribute in dbg or LONG_NAMES[attribute] in dbg


# --- softwareTargets ------------------------------------------------------------------


def test_targets_must_not_be_empty(scene: Scene) -> None:
    dbg = refused(scene, scene.body(swtg=[]))

    assert "softwareTargets" in dbg or "swtg" in dbg


def test_a_target_listed_twice_is_refused(scene: Scene) -> None:
    dbg = refused(scene, scene.body(swtg=[scene.node_id, scene.node_id]))

    assert "softwareTargets" in dbg and "repeats" in dbg


@pytest.mark.parametrize("second_form", ["ri", "sp-relative"])
def test_one_node_named_two_ways_is_a_duplicate(scene: Scene, second_form: str) -> None:
    other = scene.node_ri if second_form == "ri" else f"{scene.cse.csi}/{scene.node_ri}"

    dbg = refused(scene, scene.body(swtg=[scene.node_id, other]))

    assert "softwareTargets" in dbg and other in dbg and "repeats" in dbg


def test_a_target_that_does_not_exist_is_refused(scene: Scene) -> None:
    missing = f"{scene.cse.cse_name}/{unique('no-such-node')}"

    dbg = refused(scene, scene.body(swtg=[scene.node_id, missing]))

    assert "softwareTargets" in dbg and missing in dbg


@pytest.mark.parametrize("kind", ["AE", "container"])
def test_a_target_that_is_not_a_node_is_refused(scene: Scene, kind: str) -> None:
    ae_id = scene.ae_path.split("/", 3)[3]
    target = ae_id if kind == "AE" else scene.container_id

    dbg = refused(scene, scene.body(swtg=[target]))

    assert "softwareTargets" in dbg and target in dbg and "not a <node>" in dbg


# --- softwareURL and softwareOperation ----------------------------------------------


@pytest.mark.parametrize("url", ["fw.bin", "example.com/fw.bin", "/pkg/fw.bin", "http://"])
def test_the_software_url_must_be_absolute(scene: Scene, url: str) -> None:
    dbg = refused(scene, scene.body(swur=url))

    assert "softwareURL" in dbg or "swur" in dbg


@pytest.mark.parametrize("operation", [0, 5, 99])
def test_an_unknown_operation_is_refused(scene: Scene, operation: int) -> None:
    dbg = refused(scene, scene.body(swop=operation))

    assert "swop" in dbg


# --- softwareTriggerCriteria --------------------------------------------------------


def test_a_criterion_without_subject_is_refused(scene: Scene) -> None:
    criterion = trigger(scene.container_id, "cni", EQUAL, 5)
    del criterion["sri"]

    dbg = refused(scene, scene.body(swtc=[criterion]))

    assert "sri" in dbg


def test_a_subject_that_does_not_exist_is_refused(scene: Scene) -> None:
    missing = f"{scene.container_id}-gone"

    dbg = refused(scene, scene.body(swtc=[trigger(missing, "cni", EQUAL, 5)]))

    assert "softwareTriggerCriteria" in dbg and missing in dbg


def test_a_subject_the_originator_may_not_read_is_refused_with_4103(scene: Scene) -> None:
    stranger = make_scene(scene.cse)

    dbg = refused(scene, scene.body(swtc=[trigger(stranger.container_id, "cni", EQUAL, 5)]), 4103)

    assert stranger.container_id in dbg and scene.ae in dbg


def test_an_attribute_the_subject_does_not_have_is_refused(scene: Scene) -> None:
    dbg = refused(scene, scene.body(swtc=[trigger(scene.container_id, "noSuchAttr", EQUAL, 5)]))

    assert "sbjt" in dbg and "noSuchAttr" in dbg


def test_a_criterion_without_operator_is_a_bad_request(scene: Scene) -> None:
    criterion = trigger(scene.container_id, "cni", EQUAL, 5)
    del criterion["evc"]["optr"]

    dbg = refused(scene, scene.body(swtc=[criterion]))

    assert "optr" in dbg


@pytest.mark.parametrize("threshold", ["abc", 2.5, -1, [1], {"n": 1}])
def test_a_threshold_of_the_wrong_type_is_refused(scene: Scene, threshold) -> None:
    dbg = refused(scene, scene.body(swtc=[trigger(scene.container_id, "cni", EQUAL, threshold)]))

    assert "thld" in dbg or "swtc" in dbg


@pytest.mark.parametrize(
    ("attribute", "threshold"), [("lbl", ["a"]), ("li", "cse-in/x"), ("rn", "a")]
)
def test_an_ordering_operator_on_an_unordered_attribute_is_refused(
    scene: Scene, attribute: str, threshold
) -> None:
    # ACME orders numbers, times, enums and plain strings; a list (labels), a URI
    # (locationID) or an ID (resourceName) can only be compared for (in)equality.
    criterion = trigger(scene.container_id, attribute, GREATER_THAN, threshold)

    dbg = refused(scene, scene.body(swtc=[criterion]))

    assert "optr" in dbg and attribute in dbg


def test_an_ordering_operator_on_a_string_attribute_is_accepted(scene: Scene) -> None:
    # The AE's appName is a plain string, which ACME's criteria compare in order.
    ae_id = scene.ae_path.split("/", 3)[3]
    criteria = [trigger(ae_id, "apn", GREATER_THAN, "m"), *scene.held_back()]

    campaign = scene.create_ok(scene.body(swtc=criteria))

    assert campaign["swtc"][0]["evc"] == {"sbjt": "apn", "optr": GREATER_THAN, "thld": "m"}


def test_a_threshold_given_as_a_numeric_string_is_stored_as_a_number(scene: Scene) -> None:
    criteria = [trigger(scene.container_id, "cni", EQUAL, "99999")]

    campaign = scene.create_ok(scene.body(swtc=criteria))

    assert campaign["swtc"][0]["evc"]["thld"] == 99999
    stored = scene.retrieve(campaign["rn"])
    assert stored["swtc"][0]["evc"]["thld"] == 99999
    assert stored["agss"] == NOT_YET_STARTED


# --- requests that are not even well-formed: 4xxx with dbg, never 5000 ----------------

GARBAGE = {
    "swtg as a string": {"swtg": "cse-in/node"},
    "swtg as an object": {"swtg": {"node": 1}},
    "swtg with a number": {"swtg": [5]},
    "swtg nested list": {"swtg": [["cse-in/node"]]},
    "swtg with a URL": {"swtg": ["http://example.com/node"]},
    "swtg with an empty entry": {"swtg": [""]},
    "swtc as an object": {"swtc": {"sri": "x", "evc": {}}},
    "swtc as a string": {"swtc": "cni > 3"},
    "swtc empty list": {"swtc": []},
    "swtc entry a string": {"swtc": ["x"]},
    "swtc evc a string": {"swtc": [{"sri": "cse-in/x", "evc": "cni > 3"}]},
    "swtc evc a list": {"swtc": [{"sri": "cse-in/x", "evc": [1, 2]}]},
    "swtc evc empty": {"swtc": [{"sri": "cse-in/x", "evc": {}}]},
    "swtc sri a number": {"swtc": [{"sri": 7, "evc": {"sbjt": "cni", "optr": 1, "thld": 1}}]},
    "swtc sbjt a number": {"swtc": [{"sri": "cse-in/x", "evc": {"sbjt": 7, "optr": 1, "thld": 1}}]},
    "swtc optr a string": {
        "swtc": [{"sri": "cse-in/x", "evc": {"sbjt": "cni", "optr": "1", "thld": 1}}]
    },
    "swtc optr unknown": {
        "swtc": [{"sri": "cse-in/x", "evc": {"sbjt": "cni", "optr": 99, "thld": 1}}]
    },
    "swtc thld null": {
        "swtc": [{"sri": "cse-in/x", "evc": {"sbjt": "cni", "optr": 1, "thld": None}}]
    },
    "swtc unknown member": {
        "swtc": [{"sri": "cse-in/x", "evc": {"sbjt": "cni", "optr": 1, "thld": 1}, "foo": 1}]
    },
    "swvr a number": {"swvr": 2},
    "swnm a list": {"swnm": ["fw"]},
    "swur a number": {"swur": 80},
    "swop a string": {"swop": "INSTALL"},
    "swop a list": {"swop": [1]},
    "swop a float": {"swop": 1.5},
    "swop a boolean": {"swop": True},
    "unknown attribute": {"swxx": 1},
}


@pytest.mark.parametrize("garbage", list(GARBAGE.values()), ids=list(GARBAGE))
def test_malformed_attributes_get_a_client_error_with_dbg(scene: Scene, garbage: dict) -> None:
    # Subjects and targets in the table are placeholders; make them this scene's.
    body = scene.body(**_scene_ids(scene, garbage))

    rsc, answer = scene.create(body)

    assert 4000 <= rsc < 5000, f"{rsc} {answer}"
    assert answer.get("m2m:dbg"), answer


@pytest.mark.parametrize("content", ["text", 7, ["swvr"]])
def test_a_campaign_that_is_not_a_json_object_gets_a_client_error(scene: Scene, content) -> None:
    rsc, answer = scene.create({"m2m:swc": content})

    assert rsc == 4000, f"{rsc} {answer}"
    assert answer.get("m2m:dbg"), answer


def _scene_ids(scene: Scene, value):
    """Replace the placeholder subject `cse-in/x` with the scene's container."""
    if isinstance(value, list):
        return [_scene_ids(scene, item) for item in value]
    if isinstance(value, dict):
        return {k: _scene_ids(scene, v) for k, v in value.items()}
    return scene.container_id if value == "cse-in/x" else value


# --- the conflict rule ----------------------------------------------------------------


def test_same_target_trigger_and_software_in_another_version_conflicts(scene: Scene) -> None:
    first = scene.create_ok(scene.body(swvr="1.0"))
    second = scene.body(swvr="2.0", swnm=first["swnm"])

    rsc, answer = scene.create(second)

    assert rsc == 4105, answer
    dbg = answer["m2m:dbg"]
    assert first["ri"] in dbg and scene.node_id in dbg
    assert "1.0" in dbg and "2.0" in dbg
    assert scene.client.retrieve(scene.path(second["m2m:swc"]["rn"]), scene.ae)[0] == 4004


def test_a_conflict_is_found_when_the_node_is_named_another_way(scene: Scene) -> None:
    first = scene.create_ok(scene.body())

    rsc, answer = scene.create(scene.body(swvr="2.0", swnm=first["swnm"], swtg=[scene.node_ri]))

    assert rsc == 4105, answer
    assert first["ri"] in answer["m2m:dbg"]


def test_different_trigger_criteria_do_not_conflict(scene: Scene) -> None:
    first = scene.create_ok(scene.body())
    other_trigger = [trigger(scene.container_id, "cni", EQUAL, 88888)]

    rsc, answer = scene.create(scene.body(swvr="2.0", swnm=first["swnm"], swtc=other_trigger))

    assert rsc == 2001, answer


def test_different_software_names_do_not_conflict(scene: Scene) -> None:
    scene.create_ok(scene.body())

    rsc, answer = scene.create(scene.body(swvr="2.0"))

    assert rsc == 2001, answer


def test_a_campaign_that_ended_in_error_does_not_block_a_new_one(scene: Scene) -> None:
    # No trigger: the run starts at once and fails on the admin's node, which grants
    # the AE nothing, so the campaign ends in ERROR.
    first = scene.create_ok(scene.body(swtc=...))
    scene.wait_status(first["rn"], ERROR)

    rsc, answer = scene.create(scene.body(swvr="2.0", swnm=first["swnm"], swtc=...))

    assert rsc == 2001, answer
