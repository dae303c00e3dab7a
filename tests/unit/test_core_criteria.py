"""Trigger criteria evaluation: ACME's operator semantics, and all-must-hold."""

import pytest

from acme_swc_plugin.core.criteria import all_hold, holds


@pytest.mark.parametrize(
    ("optr", "value", "thld", "expected"),
    [
        (1, 5, 5, True),
        (1, 5, 6, False),
        (2, 5, 6, True),
        (3, 7, 5, True),
        (3, 5, 5, False),
        (4, 4, 5, True),
        (5, 5, 5, True),
        (6, 6, 5, False),
        (1, "on", "on", True),
    ],
)
def test_operators_compare_value_with_threshold(optr, value, thld, expected):
    assert holds({"sbjt": "x", "optr": optr, "thld": thld}, {"x": value}) is expected


def test_missing_attribute_unknown_operator_or_incomparable_values_do_not_hold():
    assert not holds({"sbjt": "x", "optr": 1, "thld": 1}, {})
    assert not holds({"sbjt": "x", "optr": 9, "thld": 1}, {"x": 1})
    assert not holds({"sbjt": "x", "optr": 3, "thld": "a"}, {"x": 1})


def test_every_criterion_must_hold_and_an_unreadable_subject_fails():
    criteria = [
        {"sri": "a", "evc": {"sbjt": "x", "optr": 5, "thld": 10}},
        {"sri": "b", "evc": {"sbjt": "y", "optr": 1, "thld": True}},
    ]
    assert all_hold(criteria, {"a": {"x": 12}, "b": {"y": True}})
    assert not all_hold(criteria, {"a": {"x": 9}, "b": {"y": True}})
    assert not all_hold(criteria, {"a": {"x": 12}, "b": None})
