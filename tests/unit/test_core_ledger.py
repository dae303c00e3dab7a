"""core.ledger: indexing, first-terminal-wins, the inss round trip and write coalescing."""

from __future__ import annotations

import random
import time

import pytest

from acme_swc_plugin import protocol
from acme_swc_plugin.core import TargetEntry, TargetLedger, aggregate

OP = protocol.load().operation
ST = protocol.load().status

TARGETS = ["/id-mn/n1", "/id-mn/n2", "/id-mn/n3"]


def _ledger() -> TargetLedger:
    return TargetLedger(OP.INSTALL, TARGETS)


def _linked(count: int = 3) -> TargetLedger:
    ledger = _ledger()
    for i, target in enumerate(TARGETS[:count], 1):
        ledger.link(target, f"sw{i}")
    return ledger


def test_a_new_ledger_has_every_target_not_yet_started() -> None:
    ledger = _ledger()
    assert ledger.targets == TARGETS
    assert len(ledger) == 3
    assert "/id-mn/n2" in ledger
    assert ledger.entry("/id-mn/n1") == TargetEntry("/id-mn/n1", None, ST.NOT_YET_STARTED)
    assert ledger.aggregate() == ST.NOT_YET_STARTED
    assert ledger.counts()[ST.NOT_YET_STARTED] == 3


def test_repeated_target_or_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        TargetLedger(OP.INSTALL, ["a", "a"])
    with pytest.raises(ValueError):
        TargetLedger(0, ["a"])


def test_link_starts_the_target_and_indexes_the_software() -> None:
    ledger = _ledger()
    assert ledger.link("/id-mn/n2", "sw2") is True
    assert ledger.entry("/id-mn/n2").status == ST.IN_PROGRESS
    assert ledger.target_of("sw2") == "/id-mn/n2"
    assert ledger.target_of("other") is None
    assert ledger.aggregate() == ST.IN_PROGRESS
    assert ledger.link("/id-mn/n2", "sw2") is False


def test_link_refuses_a_second_software_or_a_shared_one() -> None:
    ledger = _linked(count=1)
    with pytest.raises(ValueError, match="already has"):
        ledger.link("/id-mn/n1", "sw9")
    with pytest.raises(ValueError, match="already serves target '/id-mn/n1'"):
        ledger.link("/id-mn/n2", "sw1")
    with pytest.raises(KeyError):
        ledger.link("/id-mn/n9", "sw9")
    assert ledger.entry("/id-mn/n1").software_id == "sw1"
    assert ledger.target_of("sw9") is None


def test_apply_changes_status_and_reports_change() -> None:
    ledger = _linked()
    assert ledger.apply("sw1", ST.INSTALLED) is True
    assert ledger.entry("/id-mn/n1").status == ST.INSTALLED
    assert ledger.apply("sw2", ST.IN_PROGRESS) is False
    assert ledger.apply("sw2", int(ST.ERROR)) is True
    assert ledger.counts()[ST.ERROR] == 1


def test_first_terminal_answer_wins() -> None:
    ledger = _linked()
    ledger.apply("sw1", ST.ERROR)
    assert ledger.apply("sw1", ST.INSTALLED) is False
    assert ledger.apply("sw1", ST.IN_PROGRESS) is False
    ledger.apply("sw2", ST.INSTALLED)
    assert ledger.apply("sw2", ST.ERROR) is False
    assert ledger.mark_error("/id-mn/n2", "timeout") is False
    assert ledger.entry("/id-mn/n1").status == ST.ERROR
    assert ledger.entry("/id-mn/n2").status == ST.INSTALLED
    assert ledger.error_reason("/id-mn/n2") is None


def test_apply_rejects_unknown_software_and_going_back() -> None:
    ledger = _linked()
    with pytest.raises(KeyError, match="not linked"):
        ledger.apply("sw-unknown", ST.INSTALLED)
    with pytest.raises(ValueError, match="NOT_YET_STARTED"):
        ledger.apply("sw1", ST.NOT_YET_STARTED)
    with pytest.raises(ValueError):
        ledger.apply("sw1", 42)


def test_mark_error_on_a_target_without_software() -> None:
    ledger = _ledger()
    assert ledger.mark_error("/id-mn/n3", "node not found") is True
    assert ledger.entry("/id-mn/n3") == TargetEntry("/id-mn/n3", None, ST.ERROR)
    assert ledger.error_reason("/id-mn/n3") == "node not found"
    assert ledger.aggregate() == ST.IN_PROGRESS
    with pytest.raises(KeyError):
        ledger.mark_error("/id-mn/n9", "x")


def test_link_after_error_keeps_error_but_records_the_software() -> None:
    ledger = _ledger()
    ledger.mark_error("/id-mn/n1", "subscription refused")
    version = ledger.version
    assert ledger.link("/id-mn/n1", "sw1") is True
    assert ledger.entry("/id-mn/n1") == TargetEntry("/id-mn/n1", "sw1", ST.ERROR)
    assert ledger.software_links() == ["sw1"]
    assert ledger.version > version


def test_aggregate_follows_the_run() -> None:
    ledger = _linked()
    ledger.apply("sw1", ST.INSTALLED)
    ledger.apply("sw2", ST.ERROR)
    assert ledger.aggregate() == ST.IN_PROGRESS
    ledger.apply("sw3", ST.INSTALLED)
    assert ledger.aggregate() == ST.ERROR

    ok = _linked()
    for software_id in ("sw1", "sw2", "sw3"):
        ok.apply(software_id, ST.INSTALLED)
    assert ok.aggregate() == ST.INSTALLED
    assert ok.unfinished() == []


def test_unfinished_lists_non_terminal_targets_in_order() -> None:
    ledger = _ledger()
    ledger.link("/id-mn/n3", "sw3")
    ledger.link("/id-mn/n1", "sw1")
    ledger.apply("sw1", ST.INSTALLED)
    assert ledger.unfinished() == ["/id-mn/n2", "/id-mn/n3"]


def test_to_attribute_keeps_target_order_and_omits_missing_swri() -> None:
    ledger = _ledger()
    ledger.link("/id-mn/n3", "sw3")
    ledger.link("/id-mn/n1", "sw1")
    ledger.mark_error("/id-mn/n2", "unreachable")
    assert ledger.to_attribute() == [
        {"tgt": "/id-mn/n1", "swri": "sw1", "swst": int(ST.IN_PROGRESS)},
        {"tgt": "/id-mn/n2", "swst": int(ST.ERROR)},
        {"tgt": "/id-mn/n3", "swri": "sw3", "swst": int(ST.IN_PROGRESS)},
    ]
    assert all(type(e["swst"]) is int for e in ledger.to_attribute())
    assert ledger.software_links() == ["sw1", "sw3"]


def test_from_attribute_rebuilds_indexes_counts_and_is_clean() -> None:
    original = _linked()
    original.apply("sw1", ST.INSTALLED)
    original.mark_error("/id-mn/n2", "timeout")
    stored = original.to_attribute()

    rebuilt = TargetLedger.from_attribute(OP.INSTALL, stored)
    assert rebuilt.to_attribute() == stored
    assert rebuilt.counts() == original.counts()
    assert rebuilt.aggregate() == original.aggregate() == ST.IN_PROGRESS
    assert rebuilt.target_of("sw3") == "/id-mn/n3"
    assert rebuilt.dirty is False
    assert rebuilt.apply("sw3", ST.INSTALLED) is True
    assert rebuilt.aggregate() == ST.ERROR
    assert rebuilt.dirty is True
    assert rebuilt.apply("sw1", ST.ERROR) is False


@pytest.mark.parametrize(
    ("inss", "fragment"),
    [
        (["x"], "not an object"),
        ([{"swst": 2}], "no tgt"),
        ([{"tgt": "", "swst": 2}], "no tgt"),
        ([{"tgt": "a", "swri": 5, "swst": 2}], "not a string"),
        ([{"tgt": "a"}], "no numeric swst"),
        ([{"tgt": "a", "swst": "2"}], "no numeric swst"),
        ([{"tgt": "a", "swst": 2}, {"tgt": "a", "swst": 2}], r"inss\[1\].*twice"),
        ([{"tgt": "a", "swri": "s", "swst": 2}, {"tgt": "b", "swri": "s", "swst": 2}], "serves"),
    ],
)
def test_from_attribute_rejects_malformed_entries(inss: list[object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        TargetLedger.from_attribute(OP.INSTALL, inss)  # type: ignore[arg-type]


def test_from_attribute_rejects_an_unknown_status_number() -> None:
    with pytest.raises(ValueError):
        TargetLedger.from_attribute(OP.INSTALL, [{"tgt": "a", "swst": 99}])


def test_dirty_flag_coalesces_writes() -> None:
    ledger = _ledger()
    assert ledger.dirty is True

    ledger.mark_written(ledger.version)
    assert ledger.dirty is False
    ledger.link("/id-mn/n1", "sw1")
    ledger.apply("sw1", ST.INSTALLED)
    assert ledger.dirty is True

    snapshot_version = ledger.version
    ledger.link("/id-mn/n2", "sw2")  # arrives while the snapshot is being written
    ledger.mark_written(snapshot_version)
    assert ledger.dirty is True
    ledger.mark_written(ledger.version)
    assert ledger.dirty is False


def test_ignored_changes_do_not_dirty_the_ledger() -> None:
    ledger = _linked()
    ledger.apply("sw1", ST.ERROR)
    ledger.mark_written(ledger.version)
    ledger.apply("sw1", ST.INSTALLED)
    ledger.mark_error("/id-mn/n1", "late")
    ledger.link("/id-mn/n2", "sw2")
    assert ledger.dirty is False


def test_an_older_written_version_does_not_undo_a_newer_one() -> None:
    ledger = _ledger()
    newest = ledger.version
    ledger.mark_written(newest)
    ledger.mark_written(newest - 1)
    assert ledger.dirty is False


def test_incremental_counts_agree_with_a_full_aggregation() -> None:
    rng = random.Random(7)
    targets = [f"n{i}" for i in range(40)]
    ledger = TargetLedger(OP.ACTIVATE, targets)
    choices = [ST.IN_PROGRESS, ST.ACTIVATED, ST.ERROR]
    for step in range(400):
        target = rng.choice(targets)
        if ledger.entry(target).software_id is None:
            ledger.link(target, f"sw-{target}")
        elif step % 7 == 0:
            ledger.mark_error(target, "timeout")
        else:
            ledger.apply(f"sw-{target}", rng.choice(choices))
        statuses = [ledger.entry(t).status for t in targets]
        assert ledger.aggregate() == aggregate(OP.ACTIVATE, statuses)
        assert sum(ledger.counts().values()) == len(targets)


def test_a_large_run_costs_linear_time() -> None:
    size = 50_000
    targets = [f"/id-mn/nod{i}" for i in range(size)]
    started = time.perf_counter()
    ledger = TargetLedger(OP.INSTALL, targets)
    for i, target in enumerate(targets):
        ledger.link(target, f"sw{i}")
    for i in range(size):
        ledger.apply(f"sw{i}", ST.INSTALLED)
        ledger.aggregate()
    elapsed = time.perf_counter() - started
    assert ledger.aggregate() == ST.INSTALLED
    assert elapsed < 5.0, f"{size} targets took {elapsed:.1f}s"
