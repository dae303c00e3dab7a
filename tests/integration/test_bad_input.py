"""Generated malformed campaigns and updates against a live CSE: always a 4xxx with a
`dbg` text, never 5000, and the CSE keeps serving.

Hypothesis builds the inputs: wrong types in every attribute, huge lists, unknown enum
values, bad URLs, malformed trigger criteria, unicode, deep nesting. The number of
inputs tried is printed (run pytest with `-s` to see it).
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from cse import CSEProcess
from fleet import ADMIN, campaign_body, create_campaign, make_nodes, register_ae, unique
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acme_swc_plugin.protocol import load

CAMPAIGN = load().campaign.code
EXAMPLES = 150
"""Inputs per test; each is one request to the CSE."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.text(alphabet="\u0000\u202e\ud7ff\uffff\U0001f600/\\?#%\t ", max_size=10),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
urls = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["http://", "://x", "ftp:/x", "http://a b/c", "http://[::1", "x" * 3000]),
)
criteria = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "sri": st.one_of(st.text(alphabet=string.printable, max_size=20), values),
            "evc": st.one_of(
                values,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "sbjt": st.one_of(st.sampled_from(["mni", "cni", "lbl", "xx"]), values),
                        "optr": st.one_of(st.integers(-3, 9), values),
                        "thld": values,
                    },
                ),
            ),
        },
    ),
    max_size=4,
)
TRIED = {"CREATE": 0, "UPDATE": 0}
ATTRIBUTES = ("swvr", "swnm", "swur", "swtg", "swtc", "swop", "swlk", "agss", "inss", "lbl")


def mutations(targets: list[str]):
    """A campaign body with some attributes replaced by malformed values."""
    replacements = st.fixed_dictionaries(
        {},
        optional={
            "swvr": values,
            "swnm": values,
            "swur": st.one_of(urls, values),
            "swtg": st.one_of(
                values,
                st.lists(st.text(max_size=20), max_size=5),
                st.just(targets * 600),  # a huge list, with duplicates
            ),
            "swtc": st.one_of(criteria, values),
            "swop": st.one_of(st.integers(-5, 10), values),
            "agss": values,
            "inss": values,
        },
    )
    return replacements.filter(lambda r: r and _malformed(r))


def _malformed(replacements: dict) -> bool:
    """Keep only replacements that make the campaign invalid for certain."""
    swop = replacements.get("swop", 1)
    return (
        any(key in replacements for key in ("agss", "inss"))
        or "swtg" in replacements
        or not isinstance(replacements.get("swvr", ""), str)
        or not isinstance(replacements.get("swnm", ""), str)
        or isinstance(swop, bool)
        or swop not in (1, 2, 3, 4)
        or ("swur" in replacements and not str(replacements["swur"]).startswith("http://127"))
        or "swtc" in replacements
    )


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CSEProcess, str, list]]:
    settings_ = {"plugin.swc": {"startDelay": 3600}}
    process = CSEProcess(tmp_path_factory.mktemp("bad-input"), settings=settings_)
    try:
        process.start()
        ae = register_ae(process)
        yield process, ae, make_nodes(process, 2, [ae])
    finally:
        process.stop()
        print(f"\nbad input tried: {TRIED['CREATE']} CREATEs, {TRIED['UPDATE']} UPDATEs")


def assert_client_error(rsc: int, answer: dict) -> None:
    assert 4000 <= rsc < 5000, f"{rsc} {answer}"
    assert answer.get("m2m:dbg"), answer


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_malformed_creates_get_a_client_error(fleet, data) -> None:
    cse, ae, targets = fleet
    body = campaign_body(targets)
    body["m2m:swc"].update(data.draw(mutations(targets)))

    rsc, answer = cse.client.create(cse.cse_path, CAMPAIGN, body, ae)
    TRIED["CREATE"] += 1

    if rsc == 2001:  # a value that happens to be valid after all must be a sane campaign
        assert isinstance(answer["m2m:swc"]["swvr"], str)
        cse.client.delete(f"{cse.cse_path}/{answer['m2m:swc']['rn']}", ae)
        return
    assert_client_error(rsc, answer)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    attribute=st.sampled_from(ATTRIBUTES),
    value=st.one_of(values, urls, criteria),
    whole=st.one_of(st.none(), values),
)
def test_malformed_updates_get_a_client_error(fleet, attribute, value, whole) -> None:
    cse, ae, targets = fleet
    path = create_campaign(cse, ae, campaign_body(targets, rn=unique("fuzz")))
    body = {"m2m:swc": {attribute: value}} if whole is None else {"m2m:swc": whole}

    rsc, answer = cse.client.update(path, body, ae)
    TRIED["UPDATE"] += 1

    if rsc == 2004:  # only a well-formed label list or an empty update may pass
        assert (attribute == "lbl" and whole is None) or whole == {}
    else:
        assert_client_error(rsc, answer)
    cse.client.delete(path, ae)


def test_the_cse_still_serves_after_the_generated_inputs(fleet) -> None:
    cse, ae, targets = fleet
    assert cse.client.retrieve(cse.cse_path, ADMIN)[0] == 2000
    create_campaign(cse, ae, campaign_body(targets))
