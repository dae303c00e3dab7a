"""ACME's worker queue with the seam's fix: a queued actor runs when due, not earlier."""

from __future__ import annotations

import threading
import time

import pytest
from acmecse.helpers.BackgroundWorker import BackgroundWorkerPool

from acme_swc_plugin.seam.workers import run_workers_when_due

DELAY = 1.0

pytestmark = pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning")  # ACME's Timer


@pytest.fixture(autouse=True)
def fixed_queue() -> None:
    run_workers_when_due()


def queue_actor(delay: float) -> tuple[threading.Event, list[float]]:
    ran, when = threading.Event(), []

    def act() -> None:
        when.append(time.monotonic())
        ran.set()

    BackgroundWorkerPool.newActor(act, delay=delay, name="swc_test_actor").start()
    return ran, when


def test_a_timer_that_fires_for_an_earlier_head_does_not_run_a_later_actor() -> None:
    queued = time.monotonic()
    ran, when = queue_actor(DELAY)

    # What a timer that fired and then waited for the queue lock does: run the queue.
    BackgroundWorkerPool._execQueue()

    assert not ran.is_set()
    assert ran.wait(DELAY + 5.0)
    assert when[0] - queued >= DELAY - 0.05


def test_many_actors_queued_meanwhile_do_not_run_a_delayed_one_early() -> None:
    queued = time.monotonic()
    ran, when = queue_actor(DELAY)
    for _ in range(300):  # the queue changes all the time, as under campaign load
        BackgroundWorkerPool.newActor(lambda: None, delay=0.0, name="swc_test_noise").start()

    assert ran.wait(DELAY + 5.0)
    assert when[0] - queued >= DELAY - 0.05
