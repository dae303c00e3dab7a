"""`acme-swc run` stopping ACME: the exit status tells whether the asked-for stop happened.

ACME prints "CSE started" from a worker thread while its main thread still polls (every
10 ms) for the RUNNING state; a Ctrl-C in that window makes it shut down completely and
then exit 1 with "did not start". The window cannot be hit on purpose with a real ACME,
so a small child with ACME's output and exit behaviour stands in for it here.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from acme_swc_plugin import cli

CHILD = textwrap.dedent(
    """
    import pathlib, signal, sys, time

    def stop(*_):
        print("CSE shutting down now", flush=True)
        if {complete}:
            print("CSE shut down complete", flush=True)
        sys.exit(1)

    signal.signal(signal.SIGINT, stop)
    print("CSE started", flush=True)
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(30)
    """
)


def supervise_and_interrupt(tmp_path: Path, complete: bool) -> int:
    """Run the child under `cli._supervise` and press Ctrl-C once it has started."""
    script, started = tmp_path / "child.py", tmp_path / "started"
    script.write_text(CHILD.format(complete=complete), encoding="utf-8")

    def interrupt_when_started() -> None:
        deadline = time.monotonic() + 20
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    endpoint = cli.CSEEndpoint(port=1, cse_id="id-in", cse_name="cse-in", admin="CAdmin")
    return cli._supervise([sys.executable, str(script), str(started)], endpoint, tmp_path)


@pytest.mark.parametrize(
    ("complete", "status"),
    [(True, 0), (False, 1)],
    ids=["shutdown-complete-is-a-clean-stop", "no-complete-shutdown-stays-a-failure"],
)
def test_ctrl_c_in_acmes_startup_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], complete: bool, status: int
) -> None:
    assert supervise_and_interrupt(tmp_path, complete) == status
    assert f"ACME stopped (exit status {status})" in capsys.readouterr().out
