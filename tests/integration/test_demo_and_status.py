"""`acme-swc demo` end to end (a subprocess, as a user runs it) and `acme-swc status`
against a real CSE with campaigns, an unreachable CSE and an originator without access.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cse import free_port, wait_until
from fleet import campaign_body, create_campaign, make_nodes, register_ae, wait_finished

from acme_swc_plugin import cli

pytestmark = pytest.mark.integration

DEMO_TIMEOUT = 180.0


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "acme_swc_plugin.cli", "demo", *args]


def processes_mentioning(folder: Path) -> list[int]:
    """PIDs of running processes whose command line names `folder` (ACME's `-dir`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(folder) in command_line:
            found.append(int(entry.name))
    return found


def test_the_demo_installs_and_uninstalls_and_stops_everything(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    result = subprocess.run(
        demo_command("--targets", "2", "--dir", str(work)),
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
        env={**os.environ, "COLUMNS": "160"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "demo-app-1.0-install: INSTALLED" in out
    assert "demo-app-1.0-uninstall: UNINSTALLED" in out
    assert out.count("│ installed") == 2 and out.count("│ absent") == 2
    assert "gw1-001" in out and "gw2-001" in out
    assert "The demo ended as expected." in out
    assert processes_mentioning(work) == []
    assert not list(work.glob("mn*/packages/*/demo-app/1.0"))  # uninstalled on disk


def test_ctrl_c_stops_the_demo_and_every_cse_it_started(tmp_path: Path) -> None:
    work = tmp_path / "demo"
    demo = subprocess.Popen(
        demo_command("--targets", "1", "--simulate", "--dir", str(work)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: (work / "mn2" / "acme.out").exists(), 60)
        os.kill(demo.pid, signal.SIGINT)
        output, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

    assert demo.returncode == 130, output
    assert "Interrupted" in output
    wait_until(lambda: processes_mentioning(work) == [], 10)


@pytest.fixture
def campaigns_cse(cse_factory):
    """A CSE with the simulated agent and two finished campaigns of one AE."""
    hosting = cse_factory(agent=True, settings={"plugin.swc": {"agentDelay": 0.2}})
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 3, [ae], labels=[[], [], ["swcsim:fail"]])
    paths = [
        create_campaign(hosting, ae, campaign_body(nodes[:2], rn="firmware-ok")),
        create_campaign(hosting, ae, campaign_body(nodes, rn="firmware-mixed")),
    ]
    for path in paths:
        wait_finished(hosting, path, ae)
    return hosting, ae


def status(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(["status", *args])
    return code, capsys.readouterr().out


def test_status_lists_the_campaigns_with_counts_per_status(campaigns_cse, capsys) -> None:
    hosting, ae = campaigns_cse
    url = f"{hosting.base_url}{hosting.cse_path}"

    code, out = status(capsys, "--cse", url, "--originator", ae)

    assert code == 0, out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "firmware-" in line}
    assert set(rows) == {"firmware-ok", "firmware-mixed"}
    assert "INSTALLED" in rows["firmware-ok"] and "2 INSTALLED" in rows["firmware-ok"]
    assert "ERROR" in rows["firmware-mixed"]
    assert "1 ERROR, 2 INSTALLED" in rows["firmware-mixed"]


def test_status_of_one_campaign_by_name_with_watch(campaigns_cse, capsys) -> None:
    hosting, ae = campaigns_cse
    url = f"{hosting.base_url}{hosting.cse_path}"

    code, out = status(capsys, "firmware-ok", "--cse", url, "--originator", ae, "--watch")

    assert code == 0, out
    assert "firmware-ok" in out and "firmware-mixed" not in out
    assert "2/2" in out  # the progress bar's last frame


def test_watch_follows_a_running_campaign_until_it_ends(cse_factory, capsys) -> None:
    hosting = cse_factory(agent=True, settings={"plugin.swc": {"agentDelay": 2}})
    ae = register_ae(hosting)
    nodes = make_nodes(hosting, 2, [ae])
    create_campaign(hosting, ae, campaign_body(nodes, rn="slow-one"))
    url = f"{hosting.base_url}{hosting.cse_path}"

    began = time.monotonic()
    code, out = status(capsys, "--cse", url, "--originator", ae, "--watch", "--interval", "0.2")

    assert code == 0, out
    assert time.monotonic() - began >= 1
    assert "slow-one" in out and "2 INSTALLED" in out


def test_status_says_when_the_cse_is_unreachable(capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}/~/id-in/cse-in"

    code, out = status(capsys, "--cse", url)

    assert code == 1
    assert "cannot reach the CSE at http://127.0.0.1:" in out
    assert "--cse" in out


def test_status_says_when_the_originator_has_no_access(campaigns_cse, capsys) -> None:
    hosting, _ = campaigns_cse
    url = f"{hosting.base_url}{hosting.cse_path}"

    code, out = status(capsys, "firmware-ok", "--cse", url, "--originator", "Cstranger")

    assert code == 1
    assert "Cstranger may not read" in out and "4103" in out and "--originator" in out


def test_status_says_when_the_campaign_does_not_exist(campaigns_cse, capsys) -> None:
    hosting, ae = campaigns_cse
    url = f"{hosting.base_url}{hosting.cse_path}"

    code, out = status(capsys, "nothing-here", "--cse", url, "--originator", ae)

    assert code == 1
    assert "no campaign 'nothing-here'" in out


def test_a_listing_shows_only_what_the_originator_may_see(campaigns_cse, capsys) -> None:
    hosting, _ = campaigns_cse
    url = f"{hosting.base_url}{hosting.cse_path}"

    # ACME's discovery leaves out what the originator may not retrieve, without a 4103.
    code, out = status(capsys, "--cse", url, "--originator", "Cstranger")

    assert code == 0
    assert "No campaigns" in out and "visible to Cstranger" in out and "--originator" in out
