"""Rules of core.targets: softwareTargets, softwareURL and the trigger criteria shape."""

from __future__ import annotations

import pytest

from acme_swc_plugin.core import (
    CampaignInputError,
    check_software_url,
    check_targets,
    check_trigger_criteria_shape,
)
from acme_swc_plugin.core.targets import target_id_problem


@pytest.mark.parametrize(
    "target",
    [
        "nod123",
        "cse-in/node1",
        "/id-mn/nod1",
        "/id-mn/cse-mn/node1",
        "//sp.example.com/id-mn/nod1",
        "//sp/id-mn/cse-mn/node1",
    ],
)
def test_resource_id_forms_are_accepted(target: str) -> None:
    assert target_id_problem(target) is None
    assert check_targets([target]) == [target]


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("", "empty"),
        ("nod 1", "whitespace"),
        ("nod1\n", "whitespace"),
        ("nod\x001", "control"),
        ("nod\u200b1", "control"),
        ("/id-mn", "names no resource"),
        ("//sp/id-mn", "names no resource"),
        ("///x/y/z", "more than two slashes"),
        ("/id-mn//nod1", "empty"),
        ("cse-in/node1/", "empty"),
        ("/id-mn/../nod1", "'..'"),
        ("http://host/nod1", "URL"),
        ("nod1?x=1", "URL"),
        ("nod1#a", "URL"),
    ],
)
def test_malformed_target_is_named_with_its_index(target: str, fragment: str) -> None:
    with pytest.raises(CampaignInputError) as caught:
        check_targets(["nod0", target])
    assert caught.value.attribute == "swtg"
    assert "entry [1]" in caught.value.message
    assert fragment in caught.value.message
    assert str(caught.value).startswith("swtg: ")


@pytest.mark.parametrize("value", [None, "nod1", {"a": 1}, ("nod1",)])
def test_targets_must_be_a_list(value: object) -> None:
    with pytest.raises(CampaignInputError, match="must be a list"):
        check_targets(value)


def test_targets_must_not_be_empty() -> None:
    with pytest.raises(CampaignInputError, match="at least one"):
        check_targets([])


def test_non_string_entry_is_rejected() -> None:
    with pytest.raises(CampaignInputError, match=r"entry \[0\] must be a string, not int"):
        check_targets([42])


def test_exact_duplicate_is_rejected_naming_both_entries() -> None:
    with pytest.raises(CampaignInputError, match=r"entry \[2\] '/id-mn/n1' repeats entry \[0\]"):
        check_targets(["/id-mn/n1", "n2", "/id-mn/n1"])


def test_equivalent_forms_are_distinct_without_normalise() -> None:
    assert check_targets(["nod1", "/id-in/nod1"]) == ["nod1", "/id-in/nod1"]


def test_duplicates_are_found_through_normalise() -> None:
    def to_sp_relative(ri: str) -> str:
        return ri if ri.startswith("/") else f"/id-in/{ri}"

    with pytest.raises(CampaignInputError, match="repeats entry"):
        check_targets(["nod1", "/id-in/nod1"], normalise=to_sp_relative)


@pytest.mark.parametrize(
    "url",
    [
        "http://repo.example.com/fw-1.2.bin",
        "https://repo.example.com:8443/a/b?c=d",
        "ftp://user@ftp.example.com/pkg.tgz",
        "coap://[2001:db8::1]:5683/fw",
        "coaps://device.local/fw",
        "file://localhost/opt/pkg.bin",
        "s3+https://bucket.example/pkg",
    ],
)
def test_absolute_urls_with_a_host_are_accepted(url: str) -> None:
    assert check_software_url(url) == url


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "non-empty"),
        (None, "non-empty"),
        (7, "non-empty"),
        ("repo.example.com/fw.bin", "not an absolute URL"),
        ("/fw.bin", "not an absolute URL"),
        ("mailto:ops@example.com", "not an absolute URL"),
        ("1http://host/x", "not an absolute URL"),
        ("file:///opt/pkg.bin", "names no host"),
        ("http://user@/x", "names no host"),
        ("http://host:99999/x", "malformed"),
        ("http://host:port/x", "malformed"),
        ("http://[::1/x", "malformed"),
        ("http://host/a b", "whitespace"),
        ("http://host/a\tb", "whitespace"),
        ("http://host/\x7f", "control"),
    ],
)
def test_bad_urls_are_rejected(url: object, fragment: str) -> None:
    with pytest.raises(CampaignInputError) as caught:
        check_software_url(url)
    assert caught.value.attribute == "swur"
    assert fragment in caught.value.message


def _criterion(**evc: object) -> dict[str, object]:
    base: dict[str, object] = {"sbjt": "bat", "optr": 1, "thld": 20}
    base.update(evc)
    return {"sri": "cnt1", "evc": {k: v for k, v in base.items() if v is not ...}}


@pytest.mark.parametrize("criteria", [None, [], [_criterion()], [_criterion(), _criterion()]])
def test_well_shaped_criteria_pass(criteria: object) -> None:
    check_trigger_criteria_shape(criteria)


def test_threshold_may_be_falsy_but_not_null() -> None:
    check_trigger_criteria_shape([_criterion(thld=0)])
    check_trigger_criteria_shape([_criterion(thld="")])
    with pytest.raises(CampaignInputError, match="needs thld"):
        check_trigger_criteria_shape([_criterion(thld=None)])


@pytest.mark.parametrize(
    ("criteria", "fragment"),
    [
        ({"sri": "cnt1"}, "must be a list"),
        (["cnt1"], r"entry \[0\] must be an object"),
        ([{"evc": _criterion()["evc"]}], r"entry \[0\] needs sri"),
        ([{"sri": "", "evc": _criterion()["evc"]}], "needs sri"),
        ([{"sri": "cnt1"}], "needs evc"),
        ([{"sri": "cnt1", "evc": [1]}], "needs evc"),
        ([_criterion(sbjt=...)], "needs sbjt"),
        ([_criterion(sbjt="")], "needs sbjt"),
        ([_criterion(optr=...)], "needs optr"),
        ([_criterion(optr="1")], "needs optr"),
        ([_criterion(optr=True)], "needs optr"),
        ([_criterion(thld=...)], "needs thld"),
        ([_criterion(), _criterion(optr=...)], r"entry \[1\]"),
    ],
)
def test_malformed_criteria_raise_input_error(criteria: object, fragment: str) -> None:
    with pytest.raises(CampaignInputError, match=fragment) as caught:
        check_trigger_criteria_shape(criteria)
    assert caught.value.attribute == "swtc"
