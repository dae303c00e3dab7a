"""The `acme-swc` command as a user runs it: `init` lays out a runtime directory, `run`
serves a CSE with the plugin on 127.0.0.1 and stops cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import configparser
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cse import free_port
from onem2m import OneM2MClient

from acme_swc_plugin import layout, protocol, settings
from acme_swc_plugin.cli import child_environment, restore_default_sigint

pytestmark = pytest.mark.integration

READY_TIMEOUT = 60.0
STOP_BOUND = 30.0
"""Seconds within which `acme-swc run` must end after Ctrl-C (ACME needs about one)."""


def acme_swc() -> list[str]:
    """The installed console script, or the module when the package is not installed."""
    script = Path(sys.executable).parent / "acme-swc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "acme_swc_plugin.cli"]


def init(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*acme_swc(), "init", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_environment(),
    )


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return parser


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --- acme-swc init ----------------------------------------------------------------------


def test_init_lays_out_plugin_policies_and_loopback_config(tmp_path: Path) -> None:
    port = free_port()

    result = init(str(tmp_path), "--port", str(port), "--db", "tinydb")

    assert result.returncode == 0, result.stderr
    plugin_module = (tmp_path / "plugins" / "swc.py").read_text()
    assert "from acme_swc_plugin.plugin import SoftwareCampaignPlugin" in plugin_module
    assert not (tmp_path / "plugins" / "swcagent.py").exists()
    for name in protocol.POLICY_FILES:
        copied = (tmp_path / "init" / name).read_bytes()
        assert copied == (protocol.data_dir("init") / name).read_bytes()

    ini = read_ini(tmp_path / "acme.ini")
    assert ini["basic.config"]["httpPort"] == str(port)
    assert ini["basic.config"]["databaseType"] == "tinydb"
    assert ini["basic.config"]["networkInterface"] == "127.0.0.1"
    assert ini["basic.config"]["cseHost"] == "127.0.0.1"
    for binding in ("mqtt", "coap", "websocket"):
        assert ini[binding]["enable"] == "false"
    assert ini["webui"]["enable"] == "true"
    assert ini["console"]["headless"] == "true"
    assert set(ini[settings.SECTION]) == {s.key.lower() for s in settings.DECLARED}
    assert "created" in result.stdout


def test_init_with_agent_adds_the_device_agent_plugin(tmp_path: Path) -> None:
    result = init(str(tmp_path), "--agent")

    assert result.returncode == 0, result.stderr
    agent_module = (tmp_path / "plugins" / "swcagent.py").read_text()
    assert "from acme_swc_plugin.agent.plugin import DeviceAgentPlugin" in agent_module
    assert (tmp_path / "plugins" / "swc.py").exists()


def test_init_twice_changes_nothing(tmp_path: Path) -> None:
    assert init(str(tmp_path)).returncode == 0
    before = snapshot(tmp_path)

    again = init(str(tmp_path))

    assert again.returncode == 0, again.stderr
    assert snapshot(tmp_path) == before
    assert "created" not in again.stdout and "upgraded" not in again.stdout


def test_init_keeps_a_users_acme_ini_and_adds_the_section_once(tmp_path: Path) -> None:
    own = "; my CSE\n[basic.config]\ncseType=IN\nhttpPort=9999\n\n[logging]\nlevel=debug\n"
    (tmp_path / "acme.ini").write_text(own)

    first = init(str(tmp_path), "--port", "1234")
    second = init(str(tmp_path))

    assert first.returncode == 0 and second.returncode == 0
    text = (tmp_path / "acme.ini").read_text()
    assert text.startswith(own)
    assert text.count(f"[{settings.SECTION}]") == 1
    assert read_ini(tmp_path / "acme.ini")["basic.config"]["httpPort"] == "9999"
    assert "not applied" in first.stdout


def test_init_upgrades_its_own_files_and_leaves_the_users(tmp_path: Path) -> None:
    assert init(str(tmp_path)).returncode == 0
    ours = tmp_path / "plugins" / "swc.py"
    ours.write_text(ours.read_text().replace("SoftwareCampaignPlugin", "OldName"))
    policy = tmp_path / "init" / protocol.AP_FILE
    policy.write_text("{}")
    users = tmp_path / "plugins" / "mine.py"
    users.write_text("x = 1\n")

    result = init(str(tmp_path))

    assert result.returncode == 0
    assert "SoftwareCampaignPlugin" in ours.read_text()
    assert policy.read_bytes() == (protocol.data_dir("init") / protocol.AP_FILE).read_bytes()
    assert users.read_text() == "x = 1\n"


@pytest.mark.parametrize("cse_type", layout.CSE_TYPES)
def test_ready_made_configs_are_loopback_and_carry_the_current_section(cse_type: str) -> None:
    ini = read_ini(layout.template(cse_type))

    declared = {s.key.lower(): s.default for s in settings.DECLARED}
    assert dict(ini[settings.SECTION]) == declared, "run `python -m acme_swc_plugin.layout`"
    assert ini["basic.config"]["cseType"] == cse_type
    assert ini["basic.config"]["networkInterface"] == "127.0.0.1"
    assert ini["cse.registration"]["allowedCSROriginators"].startswith("/")


# --- acme-swc run -----------------------------------------------------------------------


class RunCommand:
    """`acme-swc run` as a child, its output collected line by line."""

    def __init__(self, *args: str) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [*acme_swc(), "run", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_environment(),
            preexec_fn=restore_default_sigint,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.lines.get(timeout=0.5):
                    return
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
        pytest.fail(f"`acme-swc run` did not print {text!r}:\n{''.join(self.output)}")

    def signal(self, signum: int) -> int:
        """Send `signum` and return the exit status, which must come within STOP_BOUND."""
        os.kill(self.process.pid, signum)
        return self.process.wait(STOP_BOUND)

    def cleanup(self) -> None:
        """End the command and the ACME it runs, by their PIDs, if a test left them."""
        acme_pids = _children(self.process.pid)
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid in acme_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture
def run_command():
    started: list[RunCommand] = []

    def start(*args: str) -> RunCommand:
        command = RunCommand(*args)
        started.append(command)
        return command

    yield start
    for command in started:
        command.cleanup()


def test_run_serves_the_cse_and_stops_on_ctrl_c(tmp_path: Path, run_command) -> None:
    port = free_port()
    command = run_command("--dir", str(tmp_path / "cse"), "--port", str(port))
    command.wait_for("CSE ready:")
    client = OneM2MClient(f"http://127.0.0.1:{port}")

    rsc, body = client.retrieve("/~/id-in/cse-in", "CAdmin")
    webui = requests.get(f"http://127.0.0.1:{port}/webui/index.html", timeout=10)
    started = time.monotonic()
    status = command.signal(signal.SIGINT)

    assert rsc == 2000 and body["m2m:cb"]["csi"] == "/id-in"
    assert webui.status_code == 200
    assert status == 0, "".join(command.output)
    assert time.monotonic() - started < STOP_BOUND
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/~/id-in/cse-in", timeout=5)


def test_run_keeps_tinydb_data_when_stopped_with_sigterm(tmp_path: Path, run_command) -> None:
    port = free_port()
    args = ("--dir", str(tmp_path / "cse"), "--port", str(port), "--db", "tinydb")
    first = run_command(*args)
    first.wait_for("CSE ready:")
    client = OneM2MClient(f"http://127.0.0.1:{port}")
    ae_id = client.register_ae("keeper")
    assert first.signal(signal.SIGTERM) == 0, "".join(first.output)

    second = run_command(*args)
    second.wait_for("CSE ready:")
    rsc, body = client.retrieve("/~/id-in/cse-in/keeper", ae_id)

    assert rsc == 2000 and body["m2m:ae"]["aei"] == ae_id


def test_run_fails_loudly_when_acme_cannot_start(tmp_path: Path, run_command) -> None:
    base = tmp_path / "cse"
    assert init(str(base), "--port", str(free_port())).returncode == 0
    ini = base / "acme.ini"
    # Without the leading slash ACME rejects the setting and, headless, exits with 0.
    broken = ini.read_text().replace("allowedCSROriginators=/id-mn", "allowedCSROriginators=id-mn")
    ini.write_text(broken)

    command = run_command("--dir", str(base))
    status = command.process.wait(READY_TIMEOUT)

    assert status != 0
    assert "stopped during start-up" in "".join(command.output)
