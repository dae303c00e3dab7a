"""Real ACME CSE processes with the plugin, for the integration tests.

A `CSEProcess` owns one runtime directory: `lay_out()` writes the plugin module, the
policy files and an `acme.ini` for a loopback CSE on a free port, and the CSE runs as
`python -m acmecse -dir <dir> --headless` with stdout and stderr in `<dir>/acme.out`
(ACME's own log is in `<dir>/logs/`). Every process is stopped by its PID: by the
owner, and at interpreter exit for any the owner forgot.

No HTTP request may reach ACME before it prints "CSE started": until then it is still
adding Flask routes, and Flask refuses that once a first request was served, which
stops ACME during start-up (silently, with exit status 0).

PostgreSQL: a CSE with `db="postgresql"` gets a database of its own on the server that
the libpq variables name (PGHOST, PGPORT, PGUSER, PGPASSWORD; `scripts/postgres start`
prints them), created before its first start and dropped by `close()`, so CSEs running
side by side never share data. With ACME_SWC_TEST_DB=postgresql every CSE uses
PostgreSQL: one asked for `memory` is emptied at each start as a memory CSE would be,
one asked for `tinydb` keeps its data across restarts.
"""

from __future__ import annotations

import atexit
import itertools
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from onem2m import OneM2MClient

from acme_swc_plugin import layout, postgres
from acme_swc_plugin.cli import STARTED_LINE, acme_command, child_environment
from acme_swc_plugin.cli import restore_default_sigint as _restore_default_sigint

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
ADMIN = "CAdmin"

_IDENTITIES = {"IN": ("id-in", "cse-in"), "MN": ("id-mn", "cse-mn")}

TEST_DB_VARIABLE = "ACME_SWC_TEST_DB"
"""Set to `postgresql` to run every CSE of the tests on PostgreSQL."""

_database_numbers = itertools.count(1)


class CSEError(RuntimeError):
    """A CSE did not start or stop as expected; the message carries its log tail."""


def database_type(requested: str) -> str:
    """The database a CSE asked for `requested` gets: PostgreSQL when the run asks for it."""
    wanted = os.environ.get(TEST_DB_VARIABLE, "").strip().lower()
    if wanted in ("", requested):
        return requested
    if wanted != "postgresql":
        raise CSEError(f"{TEST_DB_VARIABLE} may only be postgresql, not {wanted!r}")
    return wanted


def postgres_server() -> postgres.Server:
    """A new, not yet created database on the test server named by PGHOST etc."""
    name = f"acme_swc_test_{os.getpid()}_{next(_database_numbers)}_{secrets.token_hex(3)}"
    return postgres.Server(
        host=os.environ.get("PGHOST", postgres.DEFAULT_HOST),
        port=int(os.environ.get("PGPORT", postgres.DEFAULT_PORT)),
        user=os.environ.get("PGUSER") or None,
        password=os.environ.get("PGPASSWORD") or None,
        database=name,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], timeout: float, interval: float = 0.2):
    """Poll `condition` until it returns a true value, and return that value.

    Raises TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout:.0f} s")
        time.sleep(interval)


class CSEProcess:
    """One ACME CSE with the plugin, on 127.0.0.1 in its own runtime directory.

    Options: `db` (`memory`, `tinydb` or `postgresql`; see the module's note on
    ACME_SWC_TEST_DB), `cse_type` (`IN`, or `MN` registering to the IN-CSE on
    `registrar_port`), `upper_tester` (ACME's `/__ut__` endpoint, needed for `reset()`),
    and `settings`, a dict of section -> {key: value} merged into the `acme.ini` written
    at the first `start()`, and `agent`, which adds the simulated device agent's plugin.
    The port is chosen free unless given. `close()` ends its life: it stops the CSE and
    drops its PostgreSQL database.
    """

    def __init__(
        self,
        base_dir: Path,
        *,
        db: str = "memory",
        cse_type: str = "IN",
        registrar_port: int | None = None,
        upper_tester: bool = False,
        settings: dict[str, dict[str, object]] | None = None,
        port: int | None = None,
        agent: bool = False,
    ) -> None:
        self.base_dir = Path(base_dir)
        self.db = database_type(db)
        self.cse_type = cse_type
        self.registrar_port = registrar_port
        self.upper_tester = upper_tester
        self.settings = {section: dict(values) for section, values in (settings or {}).items()}
        self.database: postgres.Server | None = None
        self.plugin = True
        """False: `start()` runs the directory as it is, without laying out the plugin."""
        if self.db == "postgresql":
            self._use_postgres(keep_data=db != "memory")
        self.agent = agent
        self.port = port or free_port()
        self.cse_id, self.cse_name = _IDENTITIES[cse_type]
        self.client = OneM2MClient(self.base_url, cse_path=self.cse_path)
        self.process: subprocess.Popen | None = None
        self._output_start = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cse_path(self) -> str:
        """The CSEBase as a URL path, SP-relative: `/~/id-in/cse-in`."""
        return f"/~/{self.cse_id}/{self.cse_name}"

    @property
    def csi(self) -> str:
        """The CSE-ID, `/id-in` or `/id-mn`."""
        return f"/{self.cse_id}"

    @property
    def output_path(self) -> Path:
        return self.base_dir / "acme.out"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> CSEProcess:
        """Lay out the directory and start ACME; return once it answers requests.

        Ready means ACME printed that it started and a RETRIEVE of the CSEBase by the
        admin answers 2000. Raises CSEError with the log tail when ACME exits first or
        is not ready within `timeout` seconds (it is killed then).
        """
        if self.running:
            raise CSEError(f"the CSE in {self.base_dir} is already running")
        if self.database is not None and self.database not in _databases:
            postgres.create_database(self.database)
            _databases.add(self.database)
        if self.plugin:
            layout.lay_out(
                self.base_dir,
                port=self.port,
                db=self.db,
                cse_type=self.cse_type,
                registrar_port=self.registrar_port,
                upper_tester=self.upper_tester,
                extra=self.settings,
                agent=self.agent,
            )
        self._output_start = self.output_path.stat().st_size if self.output_path.exists() else 0
        with self.output_path.open("ab") as output:
            self.process = subprocess.Popen(
                acme_command(self.base_dir),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=child_environment(),
                preexec_fn=_restore_default_sigint,
            )
        _running.add(self)

        try:
            wait_until(self._ready, timeout)
        except TimeoutError:
            self.kill()
            raise CSEError(self._report(f"not ready within {timeout:.0f} s")) from None
        return self

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """Stop ACME with SIGINT, as Ctrl-C would; return its exit status.

        Kills it (SIGKILL, by PID) and raises CSEError if it does not end in `timeout`.
        """
        if self.process is None:
            return 0
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise CSEError(self._report(f"did not stop within {timeout:.0f} s")) from None
        _running.discard(self)
        return self.process.returncode

    def restart(self, timeout: float = START_TIMEOUT) -> CSEProcess:
        """Stop and start again in the same directory and on the same port.

        With `tinydb` the resources survive; with `memory` the CSE starts empty.
        """
        self.stop()
        return self.start(timeout)

    def close(self) -> int:
        """Stop the CSE for good and drop its PostgreSQL database; return its exit status."""
        try:
            return self.stop()
        finally:
            if self.database is not None and self.database in _databases:
                _databases.discard(self.database)
                postgres.drop_database(self.database)

    def _use_postgres(self, keep_data: bool) -> None:
        """Give this CSE its own database; one standing in for `memory` starts empty."""
        self.database = postgres_server()
        options = self.database.ini_options()
        if self.database.password:
            options["password"] = self.database.password
        self.settings.setdefault(postgres.SECTION, {}).update(options)
        if not keep_data:
            self.settings.setdefault("database", {})["resetOnStartup"] = "true"

    def kill(self) -> None:
        """End ACME at once with SIGKILL (a crash: nothing is flushed)."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        _running.discard(self)

    def reset(self) -> None:
        """Empty the CSE through ACME's Upper Tester `Reset` (needs `upper_tester`)."""
        response = self.client.session.post(
            f"{self.base_url}/__ut__",
            headers={"X-M2M-UTCMD": "Reset", "X-M2M-RI": "reset", "X-M2M-Origin": ADMIN},
            timeout=30,
        )
        if response.headers.get("X-M2M-RSC") != "2000":
            raise CSEError(self._report(f"reset refused: {response.status_code} {response.text}"))

    def wait_registered(self, registrar: CSEProcess, timeout: float = 30.0) -> None:
        """Wait until this MN-CSE's `<remoteCSE>` exists on `registrar`.

        ACME names it after the registree's CSE-ID: `/~/id-in/cse-in/id-mn`. With the
        rendered `checkInterval` of 5 s this takes at most a few seconds.
        """
        csr_path = f"{registrar.cse_path}/{self.cse_id}"
        try:
            wait_until(lambda: registrar.client.retrieve(csr_path, ADMIN)[0] == 2000, timeout)
        except TimeoutError:
            raise CSEError(self._report(f"did not register to {registrar!r}")) from None

    def output(self) -> str:
        """ACME's stdout and stderr since the last start."""
        if not self.output_path.exists():
            return ""
        with self.output_path.open("rb") as output:
            output.seek(self._output_start)
            return output.read().decode(errors="replace")

    def log(self, settle: float = 0.3) -> str:
        """ACME's log file (all starts); empty until ACME wrote it.

        ACME queues log lines and writes them from a thread of its own, so a line for
        something that just happened may not be in the file yet: the file is read once
        it has not grown for `settle` seconds (at most 5 s), or at once with 0.
        """
        deadline = time.monotonic() + 5
        text = "".join(p.read_text(errors="replace") for p in self._log_files())
        while settle and time.monotonic() < deadline:
            time.sleep(settle)
            again = "".join(p.read_text(errors="replace") for p in self._log_files())
            if len(again) == len(text):
                break
            text = again
        return text

    def log_tail(self, lines: int = 40) -> str:
        """The last `lines` of ACME's output and of its log, for failure messages."""
        parts = [f"--- {self.output_path}", *self.output().splitlines()[-lines:]]
        for path in self._log_files():
            parts += [f"--- {path}", *path.read_text(errors="replace").splitlines()[-lines:]]
        return "\n".join(parts)

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            status = self.process.returncode
            _running.discard(self)
            raise CSEError(self._report(f"exited during start-up with status {status}"))
        if STARTED_LINE not in self.output():
            return False
        rsc, _ = self.client.retrieve(self.cse_path, ADMIN)
        return rsc == 2000

    def _log_files(self) -> list[Path]:
        return sorted((self.base_dir / "logs").glob("*.log"))

    def _report(self, problem: str) -> str:
        return f"ACME {self.cse_type}-CSE on port {self.port} {problem}\n{self.log_tail()}"

    def __enter__(self) -> CSEProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<CSEProcess {self.cse_type} {self.base_url} pid={self.pid} {state}>"


_running: set[CSEProcess] = set()
_databases: set[postgres.Server] = set()
"""PostgreSQL databases created and not yet dropped."""


@atexit.register
def _kill_leftovers() -> None:
    """Safety net for a test run that ends without its fixtures' teardown.

    Also drops the databases of CSEs that were stopped but never closed, e.g. by
    module fixtures that call `stop()`.
    """
    for cse in list(_running):
        cse.kill()
    for database in list(_databases):
        try:
            postgres.drop_database(database)
        except Exception as error:  # noqa: BLE001 - the server may be gone already
            print(f"could not drop the test database {database}: {error}")
    _databases.clear()
