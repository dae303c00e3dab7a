"""ACME's attribute policies with the seam's `select`: the same values, without copies."""

from __future__ import annotations

import dataclasses

from acmecse.etc.Types import (
    Announced,
    AttributePolicy,
    BasicType,
    Cardinality,
    RequestOptionality,
)

from acme_swc_plugin.seam.validation import select_policy_fields_directly

POLICY = AttributePolicy(
    type=BasicType.enum,
    cardinality=Cardinality.CAR01,
    optionalCreate=RequestOptionality.O,
    optionalUpdate=RequestOptionality.NP,
    optionalDiscovery=RequestOptionality.O,
    announcement=Announced.OA,
    sname="agss",
    lname="aggregatedSoftwareStatus",
    evalues={1: "INSTALLED", 2: "ERROR"},
    rtypes=[67],
)


def test_every_index_gives_what_acmes_tuple_gives() -> None:
    as_tuple = dataclasses.astuple(POLICY)
    select_policy_fields_directly()

    for index in range(-len(as_tuple), len(as_tuple) + 2):
        expected = as_tuple[index] if index < len(as_tuple) else None
        assert POLICY.select(index) == expected, index


def test_the_validators_optionalities_are_the_policys_own() -> None:
    select_policy_fields_directly()

    assert POLICY.select(2) is RequestOptionality.O  # CREATE
    assert POLICY.select(3) is RequestOptionality.NP  # UPDATE
    assert POLICY.select(5) is Announced.OA
