"""The device agent's pure rules: labels, decisions, randomness, flags and status changes."""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest

from acme_swc_plugin.agent import operations, simulator
from acme_swc_plugin.agent.operations import ACTIVATE, DEACTIVATE, INSTALL, UNINSTALL
from acme_swc_plugin.agent.simulator import Decision, Outcome, Overrides

# --- labels -----------------------------------------------------------------------------


def test_no_labels_change_nothing() -> None:
    assert simulator.parse_labels(None) == (Overrides(), [])
    assert simulator.parse_labels([]) == (Overrides(), [])


def test_other_labels_are_not_the_simulators() -> None:
    assert simulator.parse_labels(["room:12", "swcsimfail", "SWCSIM:fail"]) == (Overrides(), [])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["swcsim:fail"], Overrides(fail=True)),
        (["swcsim:silent"], Overrides(silent=True)),
        (["swcsim:delay=2"], Overrides(delay=2.0)),
        (["swcsim:delay=0.25"], Overrides(delay=0.25)),
        (["swcsim:delay=0"], Overrides(delay=0.0)),
        (["swcsim:delay=1", "swcsim:delay=3"], Overrides(delay=3.0)),
        (["x", "swcsim:fail", "swcsim:delay=5"], Overrides(fail=True, delay=5.0)),
        (["swcsim:twice"], Overrides(twice=True)),
        (["swcsim:flaky"], Overrides(flaky=True)),
        (["swcsim:twice", "swcsim:delay=0"], Overrides(twice=True, delay=0.0)),
    ],
)
def test_known_labels_set_their_override(labels: list[str], expected: Overrides) -> None:
    assert simulator.parse_labels(labels) == (expected, [])


@pytest.mark.parametrize(
    "label",
    [
        "swcsim:",
        "swcsim:crash",
        "swcsim:delay",
        "swcsim:delay=",
        "swcsim:delay=soon",
        "swcsim:delay=-1",
        "swcsim:delay=nan",
        "swcsim:delay=inf",
        "swcsim:fail=yes",
        "swcsim:twice=2",
        "swcsim:flakey",
    ],
)
def test_unreadable_labels_are_reported_and_change_nothing(label: str) -> None:
    assert simulator.parse_labels([label, "swcsim:fail"]) == (Overrides(fail=True), [label])


# --- decisions ---------------------------------------------------------------------------


class Always(random.Random):
    """A generator whose every draw is `value`."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


DEFAULT = Overrides()


def decide(overrides: Overrides = DEFAULT, *, rate: float = 0.0, draw: float = 0.5) -> Decision:
    return simulator.decide(overrides, delay=1.5, failure_rate=rate, rng=Always(draw))


def test_default_device_succeeds_after_the_default_delay() -> None:
    assert decide() == Decision(Outcome.SUCCESS, 1.5)


def test_delay_label_replaces_the_default_delay() -> None:
    assert decide(Overrides(delay=4.0)) == Decision(Outcome.SUCCESS, 4.0)
    assert decide(Overrides(delay=0.0)) == Decision(Outcome.SUCCESS, 0.0)


def test_fail_label_fails_whatever_the_rate() -> None:
    assert decide(Overrides(fail=True), rate=0.0, draw=0.99) == Decision(Outcome.FAILURE, 1.5)


def test_silent_label_wins_over_everything() -> None:
    silent = Overrides(silent=True, fail=True, delay=9.0)
    assert decide(silent, rate=1.0).outcome is Outcome.SILENT


def test_an_ordinary_device_answers_once() -> None:
    assert decide().again is None
    assert decide(Overrides(fail=True)).again is None


def test_twice_label_repeats_the_answer_whatever_it_is() -> None:
    assert decide(Overrides(twice=True)) == Decision(Outcome.SUCCESS, 1.5, Outcome.SUCCESS)
    failing = Overrides(twice=True, fail=True)
    assert decide(failing) == Decision(Outcome.FAILURE, 1.5, Outcome.FAILURE)
    assert decide(Overrides(twice=True), rate=1.0).again is Outcome.FAILURE


def test_flaky_label_fails_first_and_succeeds_second() -> None:
    expected = Decision(Outcome.FAILURE, 1.5, Outcome.SUCCESS)
    assert decide(Overrides(flaky=True)) == expected
    assert decide(Overrides(flaky=True, fail=True, twice=True), rate=1.0) == expected
    assert decide(Overrides(flaky=True, delay=0.0)) == Decision(
        Outcome.FAILURE, 0.0, Outcome.SUCCESS
    )


def test_silent_label_wins_over_answering_twice() -> None:
    silent = Overrides(silent=True, twice=True, flaky=True)
    assert decide(silent) == Decision(Outcome.SILENT, 0.0)


@pytest.mark.parametrize(
    ("rate", "draw", "outcome"),
    [
        (0.0, 0.0, Outcome.SUCCESS),
        (1.0, 0.999, Outcome.FAILURE),
        (0.3, 0.29, Outcome.FAILURE),
        (0.3, 0.3, Outcome.SUCCESS),
    ],
)
def test_failure_rate_is_the_probability_of_failure(
    rate: float, draw: float, outcome: Outcome
) -> None:
    assert decide(rate=rate, draw=draw).outcome is outcome


def test_failure_rate_holds_over_many_draws() -> None:
    rng = random.Random(1)
    outcomes = [
        simulator.decide(Overrides(), delay=0, failure_rate=0.25, rng=rng).outcome
        for _ in range(4000)
    ]
    assert math.isclose(outcomes.count(Outcome.FAILURE) / len(outcomes), 0.25, abs_tol=0.03)


# --- randomness --------------------------------------------------------------------------


def draws(seed: int | None, key: str, count: int = 5) -> list[float]:
    rng = simulator.generator(seed, key)
    return [rng.random() for _ in range(count)]


def test_a_seed_makes_each_key_reproducible() -> None:
    assert draws(7, "cse-in/node-1/app/install") == draws(7, "cse-in/node-1/app/install")


def test_a_seed_gives_different_keys_and_seeds_different_draws() -> None:
    assert draws(7, "cse-in/node-1/app/install") != draws(7, "cse-in/node-2/app/install")
    assert draws(7, "cse-in/node-1/app/install") != draws(8, "cse-in/node-1/app/install")


def test_a_seeded_outcome_is_the_same_in_another_process() -> None:
    code = (
        "from acme_swc_plugin.agent import simulator as s;"
        "print(s.generator(7, 'cse-in/node-1/app/install').random())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert float(other.stdout) == draws(7, "cse-in/node-1/app/install", 1)[0]


def test_without_a_seed_draws_are_fresh() -> None:
    assert draws(None, "k") != draws(None, "k")


# --- operations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "flag", "status"),
    [(INSTALL, "in", "ins"), (UNINSTALL, "un", "ins"), (ACTIVATE, "act", "acts"),
     (DEACTIVATE, "dea", "acts")],
)  # fmt: skip
def test_each_operation_has_its_flag_and_status(operation, flag: str, status: str) -> None:
    assert (operation.flag, operation.status) == (flag, status)
    assert operations.pending({flag: True}) is operation


def test_no_flag_set_means_nothing_pending() -> None:
    assert operations.pending({"in": False, "un": False, "act": False, "dea": False}) is None
    assert operations.pending({}) is None


def test_several_flags_are_taken_in_a_fixed_order() -> None:
    assert operations.pending({"dea": True, "act": True, "in": True}) is INSTALL
    assert operations.pending({"dea": True, "act": True}) is ACTIVATE


def test_start_reports_in_process_while_the_flag_is_set() -> None:
    assert operations.start_changes({"in": True}, INSTALL) == {"ins": {"acn": "install", "sus": 3}}
    assert operations.start_changes({"in": False}, INSTALL) is None


@pytest.mark.parametrize(("succeeded", "sus"), [(True, 1), (False, 2)])
def test_finish_reports_the_result_and_clears_the_flag(succeeded: bool, sus: int) -> None:
    assert operations.finish_changes(DEACTIVATE, succeeded) == {
        "acts": {"acn": "deactivate", "sus": sus},
        "dea": False,
    }


def test_the_agent_package_loads_no_campaign_resource_or_seam_code() -> None:
    code = (
        "import sys, acme_swc_plugin.agent.plugin;"
        "print(sorted(m for m in sys.modules if m.startswith('acme_swc_plugin')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    campaign_side = ("resource", "seam", "engine", "plugin'")
    for module in campaign_side:
        assert f"'acme_swc_plugin.{module}" not in loaded
