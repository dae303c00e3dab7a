"""Rules of core.status: the [software] mapping, terminal statuses and the aggregation."""

from __future__ import annotations

import pytest

from acme_swc_plugin import protocol
from acme_swc_plugin.core import (
    ActionStatus,
    aggregate,
    counts,
    is_terminal,
    status_from_software,
    success_status,
)

OP = protocol.load().operation
ST = protocol.load().status
SUS = ActionStatus

SUCCESS = {
    OP.INSTALL: ST.INSTALLED,
    OP.UNINSTALL: ST.UNINSTALLED,
    OP.ACTIVATE: ST.ACTIVATED,
    OP.DEACTIVATE: ST.DEACTIVATED,
}
INSTALL_OPS = (OP.INSTALL, OP.UNINSTALL)
ACTIVE_OPS = (OP.ACTIVATE, OP.DEACTIVATE)


def _report(sus: object) -> dict[str, object]:
    return {"acn": "someone", "sus": sus}


@pytest.mark.parametrize(("operation", "expected"), SUCCESS.items())
def test_success_status_per_operation(operation: int, expected: int) -> None:
    assert success_status(operation) == expected
    assert success_status(int(operation)) == expected


def test_unknown_operation_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        success_status(99)
    with pytest.raises(ValueError):
        status_from_software(0, None, None)


@pytest.mark.parametrize("operation", INSTALL_OPS)
def test_ins_success_gives_the_operations_success(operation: int) -> None:
    assert status_from_software(operation, _report(SUS.SUCCESSFUL), None) == SUCCESS[operation]


@pytest.mark.parametrize("operation", ACTIVE_OPS)
def test_acts_success_gives_the_operations_success(operation: int) -> None:
    assert status_from_software(operation, None, _report(SUS.SUCCESSFUL)) == SUCCESS[operation]


@pytest.mark.parametrize("operation", list(OP))
def test_failure_gives_error(operation: int) -> None:
    failed = _report(SUS.FAILURE)
    assert status_from_software(operation, failed, failed) == ST.ERROR


@pytest.mark.parametrize("operation", list(OP))
@pytest.mark.parametrize("sus", [SUS.UNINITIALIZED, SUS.IN_PROCESS, 9, None, "1", True])
def test_unfinished_or_unknown_sus_stays_in_progress(operation: int, sus: object) -> None:
    assert status_from_software(operation, _report(sus), _report(sus)) == ST.IN_PROGRESS


@pytest.mark.parametrize("operation", list(OP))
def test_absent_reports_stay_in_progress(operation: int) -> None:
    assert status_from_software(operation, None, None) == ST.IN_PROGRESS
    assert status_from_software(operation, {}, {}) == ST.IN_PROGRESS


@pytest.mark.parametrize("operation", INSTALL_OPS)
def test_acts_is_ignored_for_install_operations(operation: int) -> None:
    assert status_from_software(operation, None, _report(SUS.SUCCESSFUL)) == ST.IN_PROGRESS
    assert status_from_software(operation, None, _report(SUS.FAILURE)) == ST.IN_PROGRESS
    pending = _report(SUS.IN_PROCESS)
    assert status_from_software(operation, pending, _report(SUS.FAILURE)) == ST.IN_PROGRESS


@pytest.mark.parametrize("operation", ACTIVE_OPS)
def test_ins_is_ignored_for_activation_operations(operation: int) -> None:
    assert status_from_software(operation, _report(SUS.SUCCESSFUL), None) == ST.IN_PROGRESS
    assert status_from_software(operation, _report(SUS.FAILURE), None) == ST.IN_PROGRESS


def test_terminal_statuses() -> None:
    assert not is_terminal(ST.NOT_YET_STARTED)
    assert not is_terminal(ST.IN_PROGRESS)
    for status in (*SUCCESS.values(), ST.ERROR):
        assert is_terminal(status)
        assert is_terminal(int(status))
    with pytest.raises(ValueError):
        is_terminal(0)


def test_counts_lists_every_status_in_order() -> None:
    result = counts([ST.ERROR, ST.IN_PROGRESS, ST.ERROR, int(ST.INSTALLED)])
    assert list(result) == list(ST)
    assert result[ST.ERROR] == 2
    assert result[ST.IN_PROGRESS] == 1
    assert result[ST.INSTALLED] == 1
    assert sum(result.values()) == 4
    assert counts([]) == dict.fromkeys(ST, 0)


@pytest.mark.parametrize("operation", list(OP))
def test_no_target_or_none_started_is_not_yet_started(operation: int) -> None:
    assert aggregate(operation, []) == ST.NOT_YET_STARTED
    assert aggregate(operation, [ST.NOT_YET_STARTED] * 3) == ST.NOT_YET_STARTED


@pytest.mark.parametrize("operation", list(OP))
def test_any_unfinished_target_keeps_in_progress(operation: int) -> None:
    done = SUCCESS[operation]
    assert aggregate(operation, [done, ST.IN_PROGRESS]) == ST.IN_PROGRESS
    assert aggregate(operation, [ST.ERROR, ST.IN_PROGRESS, done]) == ST.IN_PROGRESS
    assert aggregate(operation, [ST.ERROR, ST.NOT_YET_STARTED]) == ST.IN_PROGRESS
    assert aggregate(operation, [ST.IN_PROGRESS]) == ST.IN_PROGRESS


@pytest.mark.parametrize("operation", list(OP))
def test_all_succeeded_gives_the_operations_success(operation: int) -> None:
    assert aggregate(operation, [SUCCESS[operation]] * 4) == SUCCESS[operation]


@pytest.mark.parametrize("operation", list(OP))
def test_all_terminal_with_one_error_gives_error(operation: int) -> None:
    assert aggregate(operation, [SUCCESS[operation], ST.ERROR]) == ST.ERROR
    assert aggregate(operation, [ST.ERROR]) == ST.ERROR


def test_success_of_another_operation_is_not_success() -> None:
    assert aggregate(OP.INSTALL, [ST.INSTALLED, ST.UNINSTALLED]) == ST.ERROR
    assert aggregate(OP.ACTIVATE, [ST.INSTALLED]) == ST.ERROR
