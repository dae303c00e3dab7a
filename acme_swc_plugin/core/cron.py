"""Parsing and matching of ACME's 7-field cron patterns, as `<schedule>` stores them.

A pattern is `second minute hour day-of-month month day-of-week year`, separated by
whitespace. Each field is `*` (any value) or a comma-separated list of terms:
`n` (that value), `a-b` (a to b inclusive), `a-b/s` (every s-th value from a to b) and
`*/s` (every value divisible by s). Day of week runs 0-6 with 0 = Sunday.

The answers agree with ACME's `cronMatchesTimestamp` for every pattern it accepts,
including its quirks: `*/s` matches multiples of s, so `*/2` in the day-of-month field
means days 2, 4, ..., not 1, 3, ...; a value out of a field's range simply never
matches; `*` is only valid as a whole field. Unlike ACME, which reads fields lazily and
may miss a malformed later field, a pattern is checked entirely when it is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from .errors import CronPatternError

_FIELDS = ("second", "minute", "hour", "day of month", "month", "day of week", "year")
_TERM = re.compile(
    r"(?:(?P<value>[0-9]+)|(?P<start>[0-9]+)-(?P<end>[0-9]+)(?:/(?P<rstep>[0-9]+))?"
    r"|\*/(?P<step>[0-9]+))"
)


@dataclass(frozen=True)
class _Term:
    """Matches `start <= value <= end` on the grid of `step` from `start`; `end` None
    means "any value divisible by step" (the `*/s` form)."""

    start: int
    end: int | None
    step: int

    def matches(self, value: int) -> bool:
        if self.end is None:
            return value % self.step == 0
        return self.start <= value <= self.end and (value - self.start) % self.step == 0


Field = tuple[_Term, ...] | None
"""The terms of one field, any of which may match; None for `*`."""


def _parse_term(text: str, field: str) -> _Term:
    match = _TERM.fullmatch(text)
    if match is None:
        raise CronPatternError(f"{field} field: {text!r} is not n, a-b, a-b/s or */s")

    if match["value"] is not None:
        value = int(match["value"])
        return _Term(value, value, 1)
    if match["step"] is not None:
        step, start, end = int(match["step"]), 0, None
    else:
        step = int(match["rstep"]) if match["rstep"] is not None else 1
        start, end = int(match["start"]), int(match["end"])
    if step == 0:
        raise CronPatternError(f"{field} field: {text!r} has a step of 0")
    return _Term(start, end, step)


def _parse_field(text: str, field: str) -> Field:
    if text == "*":
        return None
    return tuple(_parse_term(part, field) for part in text.split(","))


def field_matches(field: Field, value: int) -> bool:
    """Say whether a parsed field accepts `value`."""
    return field is None or any(term.matches(value) for term in field)


@dataclass(frozen=True)
class CronPattern:
    """A parsed pattern; build it with `parse_cron`."""

    second: Field
    minute: Field
    hour: Field
    day: Field
    month: Field
    weekday: Field
    year: Field

    def date_matches(self, ts: datetime) -> bool:
        """Say whether the day of `ts` (day, month, weekday, year) is in the pattern."""
        weekday = ts.isoweekday() % 7  # isoweekday's Sunday is 7; the pattern's is 0
        return (
            field_matches(self.day, ts.day)
            and field_matches(self.month, ts.month)
            and field_matches(self.weekday, weekday)
            and field_matches(self.year, ts.year)
        )

    def matches(self, ts: datetime) -> bool:
        """Say whether the pattern holds at `ts`, read in `ts`'s own time zone."""
        return (
            field_matches(self.second, ts.second)
            and field_matches(self.minute, ts.minute)
            and field_matches(self.hour, ts.hour)
            and self.date_matches(ts)
        )


def parse_cron(pattern: str) -> CronPattern:
    """Parse a 7-field pattern; raise `CronPatternError` naming the field at fault.

    Parsed patterns are cached, since a campaign's schedules are read again and again.
    """
    if not isinstance(pattern, str):
        raise CronPatternError(f"a cron pattern is a string, not {type(pattern).__name__}")
    return _parse_cached(pattern)


@lru_cache(maxsize=256)
def _parse_cached(pattern: str) -> CronPattern:
    elements = pattern.split()
    if len(elements) != len(_FIELDS):
        raise CronPatternError(f"{pattern!r} has {len(elements)} fields, not 7")
    return CronPattern(
        *(_parse_field(text, name) for text, name in zip(elements, _FIELDS, strict=True))
    )
