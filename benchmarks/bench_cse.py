"""One ACME CSE for one benchmark run, and what the kernel says about its process.

Every run gets a fresh CSE in its own runtime directory on a free loopback port, laid
out by `acme_swc_plugin.layout` with the benchmark's configuration: memory database,
log level warning, the simulated device agent with zero delay. What differs per
variant is only the set of plugins: the campaign plugin for `plugin`, the benchmark's
floor plugin for `floor`, neither for `peer` (a user without this plugin).

CPU time and peak memory come from `/proc/<pid>/stat` and `/proc/<pid>/status`; VmHWM is
the peak since the process started, which is why no CSE is ever reused.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

from acme_swc_plugin import layout, protocol
from acme_swc_plugin.cli import (
    STARTED_LINE,
    acme_command,
    child_environment,
    restore_default_sigint,
)

ADMIN = "CAdmin"
CSE_PATH = "/~/id-in/cse-in"
FLOOR_PLUGIN = Path(__file__).with_name("floor_plugin.py")
START_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_for(parallel: int) -> dict[str, dict[str, object]]:
    """The `acme.ini` options every variant shares, merged over the project's template."""
    return {
        "basic.config": {"logLevel": "warning"},
        "plugin.swc": {
            "agentDelay": 0,
            "agentFailureRate": 0,
            "parallelTargets": parallel,
            "targetTimeout": 3600,
        },
    }


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_memory(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set since start) and VmRSS of `pid`, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


class BenchCSE:
    """A CSE with the plugins of `variant` (`floor`, `peer` or `plugin`) in `base_dir`."""

    def __init__(self, base_dir: Path, variant: str, parallel: int) -> None:
        self.base_dir = Path(base_dir)
        self.variant = variant
        self.parallel = parallel
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.session = requests.Session()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return process_cpu(self.pid)

    def memory(self) -> dict[str, int]:
        return process_memory(self.pid)

    def start(self) -> BenchCSE:
        """Lay out the directory for the variant, start ACME, wait until it answers."""
        layout.lay_out(self.base_dir, port=self.port, agent=True, extra=settings_for(self.parallel))
        plugins = self.base_dir / layout.PLUGINS_DIR
        if self.variant != "plugin":
            # Without the campaign plugin its policy files must go too, or ACME refuses
            # to start (the .ap names a type nobody registers).
            (plugins / layout.CAMPAIGN_PLUGIN.file_name).unlink()
            for name in protocol.POLICY_FILES:
                (self.base_dir / layout.INIT_DIR / name).unlink()
        if self.variant == "floor":
            shutil.copyfile(FLOOR_PLUGIN, plugins / "swcfloor.py")

        output = (self.base_dir / "acme.out").open("ab")
        self.process = subprocess.Popen(
            acme_command(self.base_dir),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=child_environment(),
            preexec_fn=restore_default_sigint,
        )
        output.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"ACME exited during start-up:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"ACME not ready in {START_TIMEOUT:.0f} s:\n{self.output()}")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        if STARTED_LINE not in self.output():
            return False
        response = self.session.get(
            f"{self.base_url}{CSE_PATH}",
            headers={"X-M2M-Origin": ADMIN, "X-M2M-RI": "ready", "X-M2M-RVI": "5"},
            timeout=10,
        )
        return response.headers.get("X-M2M-RSC") == "2000"

    def output(self) -> str:
        path = self.base_dir / "acme.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_quiet(self, limit: float, threshold: float = 0.03, step: float = 0.5) -> float:
        """Wait until the CSE uses less than `threshold` of a core over `step` seconds
        (the work a run left behind, e.g. subscription deletions, is over); at most
        `limit` seconds. Returns the seconds waited."""
        begun = time.monotonic()
        last = self.cpu()
        while time.monotonic() - begun < limit:
            time.sleep(step)
            now = self.cpu()
            if now - last < threshold * step:
                break
            last = now
        return time.monotonic() - begun

    def stop(self) -> None:
        """SIGINT (ACME's clean shutdown), by PID; SIGKILL if it does not end in time."""
        self.session.close()
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
