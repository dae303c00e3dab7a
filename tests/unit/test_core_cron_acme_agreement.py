"""Agreement of core.cron/core.windows with ACME's own cron matcher.

THIS IS THE ONLY UNIT TEST THAT IMPORTS `acmecse`: it compares our answers with
`acmecse.etc.DateUtils.cronMatchesTimestamp` on generated patterns and timestamps, so a
campaign's schedule windows open exactly when ACME would say they do. The core itself
never imports ACME. The test is skipped when ACME is not installed.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from acme_swc_plugin.core import in_window, next_window_start

date_utils = pytest.importorskip("acmecse.etc.DateUtils")

# (low, high) of each field, in ACME's order: sec min hour dom month dow year.
_RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6), (2024, 2027)]


def _term(rng: random.Random, low: int, high: int) -> str:
    kind = rng.choice(["value", "value", "range", "range-step", "step"])
    if kind == "value":
        return str(rng.randint(low, high))
    if kind == "step":
        return f"*/{rng.randint(1, max(2, (high - low) // 2))}"
    start = rng.randint(low, high)
    end = rng.randint(start, high)
    if kind == "range":
        return f"{start}-{end}"
    return f"{start}-{end}/{rng.randint(1, 5)}"


def _field(rng: random.Random, low: int, high: int) -> str:
    if rng.random() < 0.45:
        return "*"
    return ",".join(_term(rng, low, high) for _ in range(rng.randint(1, 3)))


def _pattern(rng: random.Random) -> str:
    return " ".join(_field(rng, low, high) for low, high in _RANGES)


def _timestamp(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(4 * 365 * 24 * 3600))


def _near(rng: random.Random, pattern: str, ts: datetime) -> datetime:
    """Move `ts` onto single values the pattern names, so that matches are frequent."""
    fields = pattern.split()
    changes = {}
    for name, text in zip(("second", "minute", "hour"), fields[:3], strict=True):
        if text.isdigit():
            changes[name] = int(text)
        elif rng.random() < 0.5 and text != "*" and text[0].isdigit():
            changes[name] = int(text.split("-")[0].split(",")[0])
    return ts.replace(**changes)


def test_in_window_agrees_with_acme_on_generated_patterns() -> None:
    rng = random.Random(20260503)
    outcomes = []
    for _ in range(300):
        pattern = _pattern(rng)
        for _ in range(4):
            ts = _timestamp(rng)
            for candidate in (ts, _near(rng, pattern, ts)):
                ours = in_window([pattern], candidate)
                assert ours == date_utils.cronMatchesTimestamp(pattern, candidate), (
                    pattern,
                    candidate,
                )
                outcomes.append(ours)
    # Both answers must have been exercised, or the comparison proves little.
    assert outcomes.count(True) > 50
    assert outcomes.count(False) > 50


@pytest.mark.parametrize(
    "pattern",
    [
        "* 0-5 2 * * * *",
        "30 0 2 * * * *",
        "*/10 */2 * */2 * 0,6 *",
        "0-10/3 1-59/7 0-3 * * * 2024-2026",
        "59 59 23 * * * *",
        "* * * * * 0 *",
    ],
)
def test_in_window_agrees_with_acme_every_second_of_an_hour(pattern: str) -> None:
    start = datetime(2024, 6, 2, 1, 30, tzinfo=UTC)  # a Sunday
    for offset in range(0, 3600, 7):
        ts = start + timedelta(seconds=offset)
        assert in_window([pattern], ts) == date_utils.cronMatchesTimestamp(pattern, ts), ts


@pytest.mark.parametrize("seed", range(12))
def test_next_window_start_is_acmes_first_matching_second(seed: int) -> None:
    rng = random.Random(seed)
    fields = [_field(rng, low, high) for low, high in _RANGES[:3]]
    pattern = " ".join([*fields, "*", "*", "*", "*"])
    now = _timestamp(rng)
    horizon = timedelta(hours=2)

    expected = None
    ts = now
    while ts <= now + horizon:
        if date_utils.cronMatchesTimestamp(pattern, ts):
            expected = ts
            break
        ts = ts.replace(microsecond=0) + timedelta(seconds=1)
    assert next_window_start([pattern], now, horizon) == expected, pattern
