"""The conflict rule of core.conflict, one test per condition and per outcome."""

from __future__ import annotations

from dataclasses import replace

import pytest

from acme_swc_plugin import protocol
from acme_swc_plugin.core import CampaignSpec, ExistingCampaign, find_conflict
from acme_swc_plugin.core.conflict import conflicts, criteria_key

OP = protocol.load().operation
ST = protocol.load().status

BATTERY = {"sri": "cnt-battery", "evc": {"sbjt": "lvl", "optr": 5, "thld": 80}}
MAINTENANCE = {"sri": "flg-maint", "evc": {"sbjt": "on", "optr": 1, "thld": True}}


def _new(**changes: object) -> CampaignSpec:
    spec = CampaignSpec(
        targets=["/id-mn/nod1", "/id-mn/nod2"],
        trigger_criteria=[BATTERY],
        version="2.0",
        name="fw",
        operation=OP.INSTALL,
    )
    return replace(spec, **changes)


def _old(**changes: object) -> ExistingCampaign:
    campaign = ExistingCampaign(
        ri="swc111",
        targets=["/id-mn/nod2", "/id-mn/nod3"],
        trigger_criteria=[BATTERY],
        version="1.0",
        name="fw",
        operation=OP.INSTALL,
        status=ST.NOT_YET_STARTED,
    )
    return replace(campaign, **changes)


def test_spec_example_same_node_same_trigger_other_version_conflicts() -> None:
    conflict = find_conflict(_new(), [_old()])
    assert conflict is not None
    assert conflict.campaign_ri == "swc111"
    assert conflict.shared_targets == ["/id-mn/nod2"]
    assert conflict.message.startswith("conflicts with campaign swc111 on targets [/id-mn/nod2]")
    assert "'1.0' there and '2.0' here" in conflict.message


def test_same_version_other_operation_conflicts() -> None:
    conflict = find_conflict(_new(version="1.0", operation=OP.UNINSTALL), [_old()])
    assert conflict is not None
    assert "INSTALL there and UNINSTALL here" in conflict.reason


def test_exact_duplicate_conflicts() -> None:
    conflict = find_conflict(_new(version="1.0"), [_old()])
    assert conflict is not None
    assert "already does INSTALL of 'fw' version '1.0'" in conflict.reason


@pytest.mark.parametrize("status", ["NOT_YET_STARTED", "IN_PROGRESS"])
def test_unfinished_campaigns_block(status: str) -> None:
    assert find_conflict(_new(), [_old(status=ST[status])]) is not None
    assert find_conflict(_new(), [_old(status=int(ST[status]))]) is not None


@pytest.mark.parametrize(
    "status", ["INSTALLED", "UNINSTALLED", "ACTIVATED", "DEACTIVATED", "ERROR"]
)
def test_finished_campaigns_do_not_block(status: str) -> None:
    assert find_conflict(_new(), [_old(status=ST[status])]) is None


def test_disjoint_targets_do_not_conflict() -> None:
    assert find_conflict(_new(), [_old(targets=["/id-mn/nod9"])]) is None


def test_other_software_name_does_not_conflict() -> None:
    assert find_conflict(_new(), [_old(name="bootloader")]) is None


def test_other_trigger_criteria_do_not_conflict() -> None:
    assert find_conflict(_new(), [_old(trigger_criteria=[MAINTENANCE])]) is None
    assert find_conflict(_new(), [_old(trigger_criteria=None)]) is None
    assert find_conflict(_new(trigger_criteria=None), [_old()]) is None


def test_criteria_with_another_threshold_differ() -> None:
    other = {"sri": "cnt-battery", "evc": {"sbjt": "lvl", "optr": 5, "thld": 50}}
    assert find_conflict(_new(), [_old(trigger_criteria=[other])]) is None


def test_both_without_criteria_conflict() -> None:
    assert find_conflict(_new(trigger_criteria=None), [_old(trigger_criteria=None)]) is not None
    assert find_conflict(_new(trigger_criteria=[]), [_old(trigger_criteria=None)]) is not None


def test_criteria_order_key_order_and_repeats_do_not_matter() -> None:
    reordered = {"evc": {"thld": 80, "optr": 5, "sbjt": "lvl"}, "sri": "cnt-battery"}
    new = _new(trigger_criteria=[BATTERY, MAINTENANCE])
    old = _old(trigger_criteria=[MAINTENANCE, reordered, MAINTENANCE])
    assert find_conflict(new, [old]) is not None


def test_criteria_key_ignores_members_other_than_sri_and_evc() -> None:
    assert criteria_key([{**BATTERY, "extra": 1}]) == criteria_key([BATTERY])


def test_normalise_applies_to_targets_and_subjects() -> None:
    def to_sp_relative(ri: str) -> str:
        return ri if ri.startswith("/") else f"/id-in/{ri}"

    new = _new(targets=["nod2"], trigger_criteria=[{**BATTERY, "sri": "cnt-battery"}])
    old = _old(targets=["/id-in/nod2"], trigger_criteria=[{**BATTERY, "sri": "/id-in/cnt-battery"}])
    assert find_conflict(new, [old]) is None
    conflict = find_conflict(new, [old], normalise=to_sp_relative)
    assert conflict is not None
    assert conflict.shared_targets == ["nod2"]


def test_shared_targets_follow_the_new_campaigns_order() -> None:
    new = _new(targets=["c", "a", "x", "b"])
    conflict = find_conflict(new, [_old(targets=["a", "b", "c"])])
    assert conflict is not None
    assert conflict.shared_targets == ["c", "a", "b"]


def test_the_first_conflicting_campaign_is_returned() -> None:
    existing = [
        _old(ri="done", status=ST.INSTALLED),
        _old(ri="first"),
        _old(ri="second", status=ST.IN_PROGRESS),
    ]
    conflict = find_conflict(_new(), existing)
    assert conflict is not None
    assert conflict.campaign_ri == "first"
    assert [c.campaign_ri for c in conflicts(_new(), existing)] == ["first", "second"]


def test_no_existing_campaign_no_conflict() -> None:
    assert find_conflict(_new(), []) is None


def test_a_long_list_of_shared_targets_is_cut_in_the_message() -> None:
    fleet = [f"/id-mn/nod{i}" for i in range(25)]
    conflict = find_conflict(_new(targets=fleet), [_old(targets=fleet)])
    assert conflict is not None
    assert len(conflict.shared_targets) == 25
    assert "/id-mn/nod9, ... (25 in all)]" in conflict.message
    assert "/id-mn/nod10" not in conflict.message
