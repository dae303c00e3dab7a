"""core.cron: the 7-field pattern grammar and its matching semantics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from acme_swc_plugin.core import CronPatternError, parse_cron
from acme_swc_plugin.core.cron import field_matches

# 2025-03-09 is a Sunday.
SUNDAY = datetime(2025, 3, 9, 14, 30, 15, tzinfo=UTC)


def _field(text: str) -> object:
    return parse_cron(f"{text} * * * * * *").second


@pytest.mark.parametrize(
    ("text", "matching", "not_matching"),
    [
        ("*", [0, 1, 59, 1000], []),
        ("5", [5], [4, 6, 0]),
        ("05", [5], [0, 50]),
        ("1,3,5", [1, 3, 5], [2, 4, 6]),
        ("10-12", [10, 11, 12], [9, 13]),
        ("10-20/5", [10, 15, 20], [11, 16, 25, 5]),
        ("1-10/3", [1, 4, 7, 10], [0, 3, 12, 13]),
        ("*/15", [0, 15, 30, 45], [1, 16, 59]),
        ("*/7,2-3,59", [0, 7, 14, 2, 3, 59], [1, 4, 58]),
        ("9-3", [], [9, 3, 5]),
        ("75", [75], [15]),
    ],
)
def test_field_terms(text: str, matching: list[int], not_matching: list[int]) -> None:
    field = _field(text)
    assert all(field_matches(field, v) for v in matching)  # type: ignore[arg-type]
    assert not any(field_matches(field, v) for v in not_matching)  # type: ignore[arg-type]


def test_every_nth_counts_from_zero_even_for_days_and_months() -> None:
    pattern = parse_cron("* * * */2 */5 * *")
    assert pattern.matches(datetime(2025, 5, 2))
    assert pattern.matches(datetime(2025, 10, 30))
    assert not pattern.matches(datetime(2025, 5, 1))
    assert not pattern.matches(datetime(2025, 6, 2))


def test_weekday_zero_is_sunday_and_seven_never_matches() -> None:
    assert parse_cron("* * * * * 0 *").matches(SUNDAY)
    assert not parse_cron("* * * * * 7 *").matches(SUNDAY)
    assert parse_cron("* * * * * 1-5 *").matches(datetime(2025, 3, 10))
    assert not parse_cron("* * * * * 1-5 *").matches(SUNDAY)
    assert parse_cron("* * * * * 6 *").matches(datetime(2025, 3, 8))


def test_every_field_is_read_from_the_timestamp() -> None:
    exact = "15 30 14 9 3 0 2025"
    assert parse_cron(exact).matches(SUNDAY)
    fields = exact.split()
    for index in range(7):
        changed = fields.copy()
        changed[index] = str(int(fields[index]) + 1)
        assert not parse_cron(" ".join(changed)).matches(SUNDAY), changed


def test_whitespace_between_fields_is_free() -> None:
    assert parse_cron(" 15\t30  14 * * *  * ").matches(SUNDAY)


def test_parsed_patterns_are_cached() -> None:
    assert parse_cron("* 0-5 2 * * * *") is parse_cron("* 0-5 2 * * * *")


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("* * * * * *", "6 fields"),
        ("* * * * * * * *", "8 fields"),
        ("", "0 fields"),
        ("a * * * * * *", "second field"),
        ("* 5/10 * * * * *", "minute field"),
        ("* * *,1 * * * *", "hour field"),
        ("* * * 1- * * *", "day of month field"),
        ("* * * * 1-2-3 * *", "month field"),
        ("* * * * * */0 *", "step of 0"),
        ("* * * * * * 2020-2030/0", "step of 0"),
        ("* * * * * * -1", "year field"),
        ("* * * * * * 1,,2", "year field"),
    ],
)
def test_malformed_patterns_name_the_field(pattern: str, fragment: str) -> None:
    with pytest.raises(CronPatternError, match=fragment):
        parse_cron(pattern)


def test_a_non_string_pattern_is_a_pattern_error() -> None:
    with pytest.raises(CronPatternError, match="string"):
        parse_cron(["*"] * 7)  # type: ignore[arg-type]
    assert issubclass(CronPatternError, ValueError)
