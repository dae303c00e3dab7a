"""core.windows: inside a schedule window now, and when the next window opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from acme_swc_plugin.core import CronPatternError, in_window, next_window_start

NOW = datetime(2025, 3, 10, 1, 59, 58, 250_000, tzinfo=UTC)  # a Monday
NIGHT = "* 0-5 2 * * * *"


def _brute_force(schedules: list[str], now: datetime, horizon: timedelta) -> datetime | None:
    if in_window(schedules, now):
        return now
    ts = now.replace(microsecond=0) + timedelta(seconds=1)
    while ts <= now + horizon:
        if in_window(schedules, ts):
            return ts
        ts += timedelta(seconds=1)
    return None


def test_no_schedule_is_always_inside() -> None:
    assert in_window([], NOW)
    assert next_window_start([], NOW, timedelta(0)) == NOW


def test_in_window_matches_any_schedule() -> None:
    assert not in_window([NIGHT], NOW)
    assert in_window([NIGHT], NOW.replace(hour=2, minute=5, second=59))
    assert not in_window([NIGHT], NOW.replace(hour=2, minute=6, second=0))
    assert in_window([NIGHT, "* * 1 * * 1 *"], NOW)


def test_inside_a_window_now_gives_now_unchanged() -> None:
    now = NOW.replace(hour=2, minute=3)
    assert next_window_start([NIGHT], now, timedelta(hours=1)) == now


def test_next_start_is_the_first_whole_second_of_the_window() -> None:
    assert next_window_start([NIGHT], NOW, timedelta(hours=1)) == datetime(
        2025, 3, 10, 2, 0, 0, tzinfo=UTC
    )


def test_a_fixed_seconds_field_is_found() -> None:
    start = next_window_start(["30 0 2 * * * *"], NOW, timedelta(days=2))
    assert start == datetime(2025, 3, 10, 2, 0, 30, tzinfo=UTC)
    later = next_window_start(["30 0 2 * * * *"], start + timedelta(seconds=1), timedelta(days=2))
    assert later == datetime(2025, 3, 11, 2, 0, 30, tzinfo=UTC)


def test_seconds_earlier_in_the_current_minute_are_not_returned() -> None:
    now = datetime(2025, 1, 1, 0, 0, 40, tzinfo=UTC)
    assert next_window_start(["10,50 * * * * * *"], now, timedelta(minutes=5)) == now.replace(
        second=50
    )
    assert next_window_start(["10 * * * * * *"], now, timedelta(minutes=5)) == datetime(
        2025, 1, 1, 0, 1, 10, tzinfo=UTC
    )


def test_the_earliest_schedule_wins() -> None:
    schedules = ["0 0 4 * * * *", "0 30 3 * * * *", "0 0 5 * * * *"]
    assert next_window_start(schedules, NOW, timedelta(days=1)) == datetime(
        2025, 3, 10, 3, 30, tzinfo=UTC
    )


def test_nothing_within_the_horizon_gives_none() -> None:
    assert next_window_start([NIGHT], NOW, timedelta(seconds=1)) is None
    assert next_window_start([NIGHT], NOW, timedelta(seconds=2)) is not None
    assert next_window_start(["0 0 0 1 1 * 2020"], NOW, timedelta(days=400)) is None
    assert next_window_start(["0 0 0 31 2 * *"], NOW, timedelta(days=3 * 366)) is None


def test_the_horizon_end_is_inclusive() -> None:
    horizon = datetime(2025, 3, 10, 2, 0, tzinfo=UTC) - NOW
    assert next_window_start([NIGHT], NOW, horizon) == datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def test_a_far_window_is_found_quickly() -> None:
    leap_day = next_window_start(["15 45 23 29 2 * *"], NOW, timedelta(days=5 * 366))
    assert leap_day == datetime(2028, 2, 29, 23, 45, 15, tzinfo=UTC)
    weekday = next_window_start(["0 0 9 * 12 0 2025"], NOW, timedelta(days=365))
    assert weekday == datetime(2025, 12, 7, 9, 0, tzinfo=UTC)


def test_naive_datetimes_are_read_as_given() -> None:
    now = NOW.replace(tzinfo=None)
    assert next_window_start([NIGHT], now, timedelta(hours=1)) == datetime(2025, 3, 10, 2, 0)


@pytest.mark.parametrize(
    "schedules",
    [
        ["*/20 */7 * * * * *"],
        ["5-10/2 59 1 * * * *", "0 */3 2 * * * *"],
        ["58 59 1 10 3 1 2025"],
        ["* * 3-4 * * 2 *"],
        ["1 2 3 4 5 6 2026"],
    ],
)
def test_agrees_with_a_second_by_second_search(schedules: list[str]) -> None:
    horizon = timedelta(hours=3)
    assert next_window_start(schedules, NOW, horizon) == _brute_force(schedules, NOW, horizon)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="horizon"):
        next_window_start([NIGHT], NOW, timedelta(seconds=-1))
    with pytest.raises(CronPatternError):
        in_window(["* * *"], NOW)
    with pytest.raises(CronPatternError):
        next_window_start(["bad"], NOW, timedelta(hours=1))
