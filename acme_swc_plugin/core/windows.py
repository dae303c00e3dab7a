"""Schedule window decisions: may a campaign start its operations now, and if not, when.

A campaign's `<schedule>` children hold 7-field cron patterns (see `cron`); the
campaign is inside a window at every second that any of its patterns matches, and
always inside one when it has no schedule. Times are read in the time zone of the
datetime given, so pass UTC datetimes, as ACME does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .cron import CronPattern, field_matches, parse_cron

_SECOND = timedelta(seconds=1)
_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def in_window(schedules: Sequence[str], now: datetime) -> bool:
    """Say whether `now` is inside a window of `schedules`; True when there is none.

    Raises `CronPatternError` for a malformed pattern.
    """
    if not schedules:
        return True
    return any(parse_cron(pattern).matches(now) for pattern in schedules)


def next_window_start(
    schedules: Sequence[str], now: datetime, horizon: timedelta
) -> datetime | None:
    """Return the first time from `now` to `now + horizon` inside a window, or None.

    When `now` itself is inside a window (always, without schedules) the result is
    `now` unchanged; otherwise it is the first whole second at which any pattern
    matches. The search skips whole days, hours and minutes that cannot match and
    looks at single seconds only inside a matching minute, so a pattern with a fixed
    seconds field (e.g. `30 0 2 * * * *`) is found, and a horizon of months costs a
    few thousand steps. Raises `CronPatternError` for a malformed pattern and
    `ValueError` for a negative horizon.
    """
    if horizon < timedelta(0):
        raise ValueError("the horizon must not be negative")
    if in_window(schedules, now):
        return now

    end = now + horizon
    first = now.replace(microsecond=0) + _SECOND
    starts = (_next_match(parse_cron(pattern), first, end) for pattern in schedules)
    return min((start for start in starts if start is not None), default=None)


def _next_match(pattern: CronPattern, start: datetime, end: datetime) -> datetime | None:
    """Return the first whole second in [start, end] the pattern matches, or None."""
    ts = start
    while ts <= end:
        if not pattern.date_matches(ts):
            ts = ts.replace(hour=0, minute=0, second=0) + _DAY
        elif not field_matches(pattern.hour, ts.hour):
            ts = ts.replace(minute=0, second=0) + _HOUR
        elif not field_matches(pattern.minute, ts.minute):
            ts = ts.replace(second=0) + _MINUTE
        else:
            second = _first_second(pattern, ts.second)
            if second is not None:
                found = ts.replace(second=second)
                return found if found <= end else None
            ts = ts.replace(second=0) + _MINUTE
    return None


def _first_second(pattern: CronPattern, start: int) -> int | None:
    return next((s for s in range(start, 60) if field_matches(pattern.second, s)), None)
