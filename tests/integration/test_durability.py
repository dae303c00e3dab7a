"""Stopping and starting a CSE: what a clean stop must keep, and a start-up under load.

ACME 2026.5.3 skips its own shutdown sequence when a headless CSE gets SIGINT, so the
last buffered TinyDB writes could be lost; the plugin completes that sequence
(`seam/shutdown.py`). And a request that arrives while ACME is still starting ends its
start-up; the plugin answers such requests with 503 (`seam/starting.py`). Campaign
restarts rely on both.
"""

from __future__ import annotations

import threading
import time

import requests
from fleet import ADMIN, unique


def test_resources_created_just_before_a_clean_stop_survive_it(cse_factory) -> None:
    cse = cse_factory(db="tinydb")
    for _ in range(3):
        names = [unique("kept") for _ in range(5)]
        for name in names:
            rsc, _ = cse.client.create(cse.cse_path, 3, {"m2m:cnt": {"rn": name}}, ADMIN)
            assert rsc == 2001

        assert cse.stop() == 0
        cse.start()

        missing = [n for n in names if cse.client.retrieve(f"{cse.cse_path}/{n}", ADMIN)[0] != 2000]
        assert missing == []


def test_a_clean_stop_runs_the_plugins_shutdown(cse_factory) -> None:
    cse = cse_factory()

    cse.stop()

    assert "CSE shut down complete" in cse.log()


def test_a_cse_flooded_with_requests_while_starting_starts_and_answers_them_503(
    cse_factory,
) -> None:
    """What a Hosting CSE meets when it restarts while registrees notify it."""
    cse = cse_factory(db="tinydb")
    cse.stop()
    answers: list[tuple[int, str | None]] = []
    done = threading.Event()

    def flood() -> None:
        session = requests.Session()
        end = time.monotonic() + 60  # bounded even if the start-up hangs
        while not done.is_set() and time.monotonic() < end:
            try:
                response = session.get(
                    f"{cse.base_url}{cse.cse_path}",
                    headers={"X-M2M-Origin": ADMIN, "X-M2M-RI": "flood", "X-M2M-RVI": "5"},
                    timeout=5,
                )
            except requests.RequestException:
                time.sleep(0.001)  # not listening yet
                continue
            answers.append((response.status_code, response.headers.get("X-M2M-RSC")))

    for _ in range(3):
        done.clear()
        answers.clear()
        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        try:
            cse.start()
        finally:
            done.set()
            flooder.join(10)

        assert cse.running
        early = [answer for answer in answers if answer[0] == 503]
        assert early, f"no request reached the CSE while it started: {answers[:5]}"
        assert set(early) == {(503, "5103")}
        assert answers[-1] == (200, "2000")
        assert "Error during startup" not in cse.log()
        cse.stop()
