"""The simulated device: how long an operation takes and whether it succeeds.

The agent's settings give the defaults (a delay and a failure rate); labels on the
`<node>` that hosts a `[software]` override them per device:

- `swcsim:fail`: every operation fails;
- `swcsim:delay=<seconds>`: operations take that long;
- `swcsim:silent`: the device never answers; its `[software]` is left as it is;
- `swcsim:twice`: the device reports its result, then the same result again one delay
  later (a duplicate answer);
- `swcsim:flaky`: the device reports a failure, then a success one delay later (an
  answer that changes its mind).

Other labels are not the simulator's and are ignored. Plain Python, no ACME import;
randomness comes from the `random.Random` the caller passes in (see `generator()`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

LABEL_PREFIX = "swcsim:"
FAIL_LABEL = LABEL_PREFIX + "fail"
SILENT_LABEL = LABEL_PREFIX + "silent"
DELAY_LABEL = LABEL_PREFIX + "delay="
TWICE_LABEL = LABEL_PREFIX + "twice"
FLAKY_LABEL = LABEL_PREFIX + "flaky"


@dataclass(frozen=True)
class Overrides:
    """What a `<node>`'s labels change for its device; None/False means the default."""

    fail: bool = False
    silent: bool = False
    delay: float | None = None
    twice: bool = False
    flaky: bool = False


def parse_labels(labels: Iterable[str] | None) -> tuple[Overrides, list[str]]:
    """Read the `swcsim:` labels of a `<node>`.

    Returns the overrides and the `swcsim:` labels that could not be read (an unknown
    word, or a delay that is not a finite number of seconds >= 0); those change nothing.
    A repeated delay label: the last one counts.
    """
    fail = silent = twice = flaky = False
    delay: float | None = None
    malformed: list[str] = []

    for label in labels or ():
        if not isinstance(label, str) or not label.startswith(LABEL_PREFIX):
            continue
        if label == FAIL_LABEL:
            fail = True
        elif label == SILENT_LABEL:
            silent = True
        elif label == TWICE_LABEL:
            twice = True
        elif label == FLAKY_LABEL:
            flaky = True
        elif label.startswith(DELAY_LABEL) and (seconds := _seconds(label)) is not None:
            delay = seconds
        else:
            malformed.append(label)

    overrides = Overrides(fail=fail, silent=silent, delay=delay, twice=twice, flaky=flaky)
    return overrides, malformed


class Outcome(Enum):
    """How a simulated operation ends."""

    SUCCESS = "success"
    FAILURE = "failure"
    SILENT = "silent"


@dataclass(frozen=True)
class Decision:
    """The simulated device's answer: `outcome` after `delay` seconds (0 when silent).

    `again`, when set, is a second answer the device reports `delay` seconds after the
    first (the `twice` and `flaky` labels); None for a device that answers once.
    """

    outcome: Outcome
    delay: float
    again: Outcome | None = None


def decide(
    overrides: Overrides, *, delay: float, failure_rate: float, rng: random.Random
) -> Decision:
    """Decide one operation of one device.

    Precedence: a silent device never answers; a flaky device fails and then succeeds;
    a failing device fails; otherwise the operation fails with probability
    `failure_rate` (0..1, drawn from `rng`). A device with `twice` repeats its answer
    (a flaky one answers twice anyway). The delay is the device's own (label) or the
    default `delay`.
    """
    if overrides.silent:
        return Decision(Outcome.SILENT, 0.0)

    seconds = overrides.delay if overrides.delay is not None else delay
    if overrides.flaky:
        return Decision(Outcome.FAILURE, seconds, again=Outcome.SUCCESS)
    failed = overrides.fail or rng.random() < failure_rate
    outcome = Outcome.FAILURE if failed else Outcome.SUCCESS
    return Decision(outcome, seconds, again=outcome if overrides.twice else None)


def generator(seed: int | None, key: str) -> random.Random:
    """The random generator for one decision.

    With a `seed`, the generator depends only on the seed and `key` (e.g. the
    `[software]`'s structured path and the operation), so an outcome does not depend
    on the order in which concurrent operations arrive. Without one, it is freshly
    seeded from the operating system.
    """
    return random.Random(f"{seed}/{key}") if seed is not None else random.Random()


def _seconds(label: str) -> float | None:
    try:
        value = float(label[len(DELAY_LABEL) :])
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None
