"""Run ACME's own test suite against two loopback CSEs, with the plugin or stock.

ACME's suite (the `tests/` folder of its repository) expects an IN-CSE `id-in`/`cse-in`
on port 8080 with the Upper Tester endpoint, and for its remote suites an MN-CSE
`id-mn`/`cse-mn` on port 8081 registered to it. This starts both (memory database, in
temporary runtime directories), runs `runTests.py --no-failfast` in a copy of the given
folder, with the host address of the suite's notification server set to 127.0.0.1, and
stops both CSEs by PID. With the plugin, both CSEs load it and the simulated device
agent, and `tests/acme/testSWC.py` runs along with ACME's suites.

    python tests/acme_suite.py /path/to/ACME-oneM2M-CSE/tests [--stock] [suite ...]
        [--log-level debug] [--keep DIR]

The runner's exit status is returned; its summary table is ACME's own.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from cse import CSEProcess

from acme_swc_plugin import cli, layout

IN_PORT, MN_PORT = 8080, 8081
SUITE_FILE = Path(__file__).parent / "acme" / "testSWC.py"

IN_SETTINGS = {
    "cse.registration": {"allowedCSROriginators": "/id-mn,/Ctest"},
    "database": {"resetOnStartup": "true"},
    # what testSWC.py relies on (docs/acme-test-suite.md)
    "plugin.swc": {"targetTimeout": 5, "agentDelay": 0.3},
}


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def prepared_suite(acme_tests: Path, work: Path, with_plugin: bool) -> Path:
    """A copy of ACME's tests folder that talks to 127.0.0.1 only (and holds testSWC)."""
    suite = work / "tests"
    shutil.copytree(acme_tests, suite)
    config = suite / "config.py"
    text, count = re.subn(
        r"^TESTHOSTIP(:[^=]*)?=.*$",
        "TESTHOSTIP: Optional[str] = '127.0.0.1'",
        config.read_text(encoding="utf-8"),
        flags=re.M,
    )
    if count != 1:
        raise SystemExit(f"{config}: no TESTHOSTIP line to set; is this ACME's tests folder?")
    config.write_text(text.replace("'localhost'", "'127.0.0.1'"), encoding="utf-8")
    if with_plugin:
        shutil.copy(SUITE_FILE, suite)
    return suite


def start_cses(
    work: Path, with_plugin: bool, started: list[CSEProcess], log_level: str = "info"
) -> None:
    """Start the IN- and the MN-CSE; `started` holds each as soon as it runs, so that
    the caller stops what started also when a later step fails."""
    # ACME keeps ten log files of 100 kB by default: too little for a debug log of a run.
    logging = {"basic.config": {"logLevel": log_level}, "logging": {"size": 100_000_000}}
    infrastructure = CSEProcess(
        work / "in",
        port=IN_PORT,
        upper_tester=True,
        settings={**IN_SETTINGS, **logging},
        agent=True,
    )
    middle = CSEProcess(
        work / "mn",
        cse_type="MN",
        registrar_port=IN_PORT,
        port=MN_PORT,
        agent=True,
        settings=logging,
    )
    for cse in (infrastructure, middle):
        if not with_plugin:
            layout.lay_out(
                cse.base_dir,
                port=cse.port,
                cse_type=cse.cse_type,
                registrar_port=cse.registrar_port,
                upper_tester=cse.upper_tester,
                extra=cse.settings,
            )
            layout.remove(cse.base_dir)  # the same acme.ini, without the plugin
            cse.plugin = False
        started.append(cse)
        cse.start()
    middle.wait_registered(infrastructure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("acme_tests", type=Path, help="the tests/ folder of an ACME checkout")
    parser.add_argument("--stock", action="store_true", help="CSEs without the plugin")
    parser.add_argument("suites", nargs="*", help="suites to run (default: all but testLoad)")
    parser.add_argument("--log-level", default="info", choices=cli.LOG_LEVELS)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="copy the CSEs' runtime folders (logs) here"
    )
    options = parser.parse_intermixed_args(argv)
    if not (options.acme_tests / "runTests.py").is_file():
        parser.error(f"{options.acme_tests} has no runTests.py")
    busy = [port for port in (IN_PORT, MN_PORT) if not port_free(port)]
    if busy:
        parser.error(f"port(s) {busy} in use on 127.0.0.1: ACME's suite needs them")

    with tempfile.TemporaryDirectory(prefix="acme-suite-") as folder:
        work = Path(folder)
        suite = prepared_suite(options.acme_tests, work, not options.stock)
        cses: list[CSEProcess] = []
        try:
            start_cses(work, not options.stock, cses, options.log_level)
            command = [sys.executable, "runTests.py", "--no-failfast", *options.suites]
            return subprocess.run(command, cwd=suite, stdin=subprocess.DEVNULL).returncode
        finally:
            for cse in reversed(cses):
                cse.close()
            if options.keep:
                for cse in cses:
                    shutil.copytree(cse.base_dir, options.keep / cse.base_dir.name)


if __name__ == "__main__":
    raise SystemExit(main())
