"""ACME CSEs run as child processes of a tool, on 127.0.0.1, stopped by their PID.

A `CSEChild` owns one runtime directory: `start()` lays it out (`layout.lay_out`) and
runs `python -m acmecse -dir DIR --headless` with its output in `DIR/acme.out`, in its
own process group so that a Ctrl-C in the terminal reaches only the tool, which then
stops its children in order. No request goes to ACME before it prints that it started:
ACME still adds HTTP routes until then and stops if a request comes first.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .. import layout
from ..cli import STARTED_LINE, acme_command, child_environment, restore_default_sigint
from .onem2m import Client, CSEUnreachable

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
ADMIN = "CAdmin"


class ChildError(RuntimeError):
    """A CSE did not start, register or stop in time; the message says where its log is."""


_interrupted = threading.Event()


def interrupt(_signum: int, _frame) -> None:
    """Signal handler for a tool that starts children: a stop the tool must not miss.

    A KeyboardInterrupt raised while `subprocess.Popen` forks is raised inside Python's
    after-fork hooks, which swallow it ("Exception ignored in ... _releaseLock"); the
    handler also records it, and `CSEChild.launch` raises it again after the fork.
    """
    _interrupted.set()
    raise KeyboardInterrupt


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.2):
    """Poll `condition` until it returns a true value and return it; TimeoutError after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"not within {timeout:.0f} s")
        time.sleep(interval)
    return result


class CSEChild:
    """One ACME CSE with the plugin in `base_dir`, as CSE-ID `cse_id` and name `cse_name`.

    `cse_type` is `IN` or `MN` (which registers to the IN-CSE on `registrar_port`);
    `agent` adds the device agent; `settings` (section -> {key: value}) is merged into
    the `acme.ini` written at `start()`.
    """

    def __init__(
        self,
        base_dir: Path,
        *,
        cse_type: str = "IN",
        cse_id: str = "id-in",
        cse_name: str = "cse-in",
        registrar_port: int | None = None,
        agent: bool = False,
        settings: dict[str, dict[str, object]] | None = None,
    ) -> None:
        self.base_dir = Path(base_dir)
        self.cse_type, self.cse_id, self.cse_name = cse_type, cse_id, cse_name
        self.registrar_port = registrar_port
        self.agent = agent
        self.settings = settings or {}
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.admin = Client(self.cse_url, ADMIN)

    @property
    def cse_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/~/{self.cse_id}/{self.cse_name}"

    @property
    def logs(self) -> Path:
        return self.base_dir / "logs"

    def launch(self) -> None:
        """Lay out the runtime directory and start ACME; `wait_ready()` waits for it."""
        identity = {"cseID": self.cse_id, "cseName": self.cse_name}
        extra = {**self.settings}
        extra["basic.config"] = {**identity, **extra.get("basic.config", {})}
        layout.lay_out(
            self.base_dir,
            port=self.port,
            cse_type=self.cse_type,
            registrar_port=self.registrar_port,
            agent=self.agent,
            extra=extra,
        )
        with (self.base_dir / "acme.out").open("ab") as output:
            self.process = subprocess.Popen(
                acme_command(self.base_dir),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=child_environment(),
                preexec_fn=restore_default_sigint,
                process_group=0,
            )
        if _interrupted.is_set():
            raise KeyboardInterrupt

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until ACME started and its CSEBase answers; ChildError otherwise."""
        try:
            wait_until(self._ready, timeout)
        except TimeoutError:
            self.kill()
            raise ChildError(f"{self} was not ready within {timeout:.0f} s") from None

    def wait_registered(self, registrar: CSEChild, timeout: float = 30.0) -> None:
        """Wait until this CSE's `<remoteCSE>` exists on `registrar`; ChildError otherwise."""
        try:
            wait_until(lambda: registrar.admin.retrieve(self.cse_id)[0] == 2000, timeout, 0.3)
        except TimeoutError:
            raise ChildError(f"{self} did not register to {registrar} in {timeout:.0f} s") from None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop ACME with SIGINT (by PID), as Ctrl-C would; SIGKILL after `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _ready(self) -> bool:
        if self.process is None:
            return False
        if self.process.poll() is not None:
            raise ChildError(f"{self} exited during start-up ({self.process.returncode})")
        output = self.base_dir / "acme.out"
        if STARTED_LINE not in output.read_text(errors="replace"):
            return False
        try:
            return self.admin.retrieve("")[0] == 2000
        except CSEUnreachable:
            return False

    def __str__(self) -> str:
        return f"{self.cse_type}-CSE {self.cse_id} on port {self.port} (log in {self.logs})"
