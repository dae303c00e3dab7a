"""The `acme-swc` command: lay out an ACME runtime directory and run ACME with the plugin.

`acme-swc init DIR` writes the plugin module, the policy files and (if missing) an
`acme.ini` into DIR; `acme-swc run` does that when needed and then runs ACME headless as
a child process on 127.0.0.1 until Ctrl-C. ACME runs as a child rather than in this
process because its start-up and shutdown are driven by process signals and `atexit`,
and a child can be stopped exactly like a CSE started by hand.
"""

from __future__ import annotations

import argparse
import configparser
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import acme_swc_plugin
from acme_swc_plugin import layout, postgres

DEFAULT_DIR = "acme-swc-cse"
DEFAULT_PORT = 8080
LOG_LEVELS = ("debug", "info", "warn", "error", "off")

STARTED_LINE = "CSE started"
"""What ACME prints on stdout once it is running, even when headless."""

STOPPED_LINE = "CSE shut down complete"
"""What ACME prints once its shutdown (storage flushed, plugins stopped) has finished."""

STOP_TIMEOUT = 30.0
"""Seconds ACME may take to shut down after SIGINT before it is killed."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`); return the exit status."""
    args = _parser().parse_args(argv)
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="acme-swc",
        description="Set up and run the ACME CSE with the <softwareCampaign> plugin.",
    )
    parser.add_argument("--version", action="version", version=acme_swc_plugin.__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init",
        help="lay out or upgrade an ACME runtime directory",
        description="Write plugins/swc.py, the policy files in init/ and, if missing, "
        "acme.ini into DIR. Safe to repeat: an existing acme.ini keeps its settings and "
        "only gains the [plugin.swc] section when it lacks one.",
    )
    init.add_argument("dir", type=Path, metavar="DIR", help="ACME runtime directory")
    _add_cse_options(init, port_default=DEFAULT_PORT, db_default="memory")
    init.set_defaults(handler=_init)

    run = commands.add_parser(
        "run",
        help="run ACME headless with the plugin on 127.0.0.1 until Ctrl-C",
        description="Lay out DIR if needed, then run ACME headless on 127.0.0.1. "
        "--port and --db set up a new DIR and override an existing acme.ini.",
    )
    run.add_argument(
        "--dir",
        type=Path,
        default=Path(DEFAULT_DIR),
        help=f"ACME runtime directory (default: ./{DEFAULT_DIR})",
    )
    _add_cse_options(run, port_default=None, db_default=None)
    run.add_argument("--log-level", choices=LOG_LEVELS, help="override the configured log level")
    run.set_defaults(handler=_run)
    _add_demo(commands)
    _add_status(commands)
    _add_purge(commands)
    return parser


def _add_purge(commands) -> None:
    purge = commands.add_parser(
        "purge",
        help="uninstall: delete every campaign, then remove the plugin's files from DIR",
        description="Delete the CSE's campaigns through the CSE (the running one, or the "
        "stopped one started briefly with the plugin), then remove plugins/swc.py, "
        "plugins/swcagent.py, init/softwareCampaign.* and the [plugin.swc] section of "
        "acme.ini. Safe to repeat.",
    )
    purge.add_argument("dir", type=Path, metavar="DIR", help="ACME runtime directory")
    purge.add_argument(
        "--cse", help="URL of the running CSE's CSEBase (default: from DIR/acme.ini)"
    )
    purge.add_argument(
        "--originator", help="originator of the deletions (default: the admin in acme.ini)"
    )
    purge.add_argument(
        "--db",
        choices=layout.DB_TYPES,
        help="the database the CSE runs with, when not the one in acme.ini (acme-swc run --db)",
    )
    purge.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace) -> int:
    from acme_swc_plugin.tools import purge

    options = purge.Options(args.dir, cse=args.cse, originator=args.originator, db=args.db)
    return purge.command(options)


def _add_demo(commands) -> None:
    demo = commands.add_parser(
        "demo",
        help="show the whole product working on this machine, then stop everything",
        description="Start an IN-CSE with the campaign plugin and two registree MN-CSEs "
        "whose <node>s have the device agent (real mode: packages from a local HTTP "
        "server), run an INSTALL campaign over all nodes and then an UNINSTALL campaign, "
        "with live progress and a table per campaign. Everything runs on 127.0.0.1 and is "
        "stopped at the end, also on Ctrl-C. Exit status 0 only when both campaigns ended "
        "as expected.",
    )
    demo.add_argument(
        "--targets", type=int, default=6, help="number of <node>s, split over both MN-CSEs"
    )
    demo.add_argument(
        "--simulate", action="store_true", help="use the simulated device agent instead"
    )
    demo.add_argument("--install-only", action="store_true", help="skip the UNINSTALL campaign")
    demo.add_argument(
        "--dir",
        type=Path,
        help="a new or empty folder to keep the CSEs' runtime directories in (default: a "
        "temporary folder, removed after a successful demo)",
    )
    demo.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds each campaign may take before the demo gives up (default: 120)",
    )
    demo.set_defaults(handler=_demo)


def _add_status(commands) -> None:
    status = commands.add_parser(
        "status",
        help="list the campaigns of a CSE with their status; --watch for progress bars",
        description="List the <softwareCampaign>s of a CSE (discovery) with their aggregated "
        "status and the number of targets per individual status.",
    )
    status.add_argument(
        "campaign",
        nargs="?",
        metavar="CAMPAIGN",
        help="only this campaign: its resource name or ID",
    )
    status.add_argument(
        "--cse",
        default=f"http://127.0.0.1:{DEFAULT_PORT}/~/id-in/cse-in",
        help="URL of the CSEBase (default: %(default)s)",
    )
    status.add_argument(
        "--originator", default="CAdmin", help="originator of the requests (default: %(default)s)"
    )
    status.add_argument(
        "--watch", action="store_true", help="show progress bars until every campaign is terminal"
    )
    status.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between two reads with --watch (default: 1)",
    )
    status.add_argument(
        "--timeout", type=float, help="with --watch: give up (exit 1) after this many seconds"
    )
    status.set_defaults(handler=_status)


def _demo(args: argparse.Namespace) -> int:
    from acme_swc_plugin.tools import demo

    if args.targets < 1:
        print("acme-swc demo: --targets must be at least 1", file=sys.stderr)
        return 2
    options = demo.Options(
        targets=args.targets,
        simulate=args.simulate,
        uninstall=not args.install_only,
        directory=args.dir,
        timeout=args.timeout,
    )
    return demo.command(options)


def _status(args: argparse.Namespace) -> int:
    from acme_swc_plugin.tools import status

    options = status.Options(
        cse=args.cse,
        originator=args.originator,
        campaign=args.campaign,
        watch=args.watch,
        interval=args.interval,
        timeout=args.timeout,
    )
    return status.command(options)


def _add_cse_options(parser: argparse.ArgumentParser, port_default, db_default) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=port_default,
        help=f"HTTP port on 127.0.0.1 (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--db",
        choices=layout.DB_TYPES,
        default=db_default,
        help="database: memory (gone when the CSE stops, default), tinydb (files in DIR/data) "
        "or postgresql (see --pg-*)",
    )
    _add_postgres_options(parser)
    parser.add_argument(
        "--agent",
        action="store_true",
        help="also load the simulated device agent (plugins/swcagent.py), so that the "
        "[software] of this CSE's <node>s move; delete that file to unload it again",
    )


def _add_postgres_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "PostgreSQL (--db postgresql)",
        "Written into a new acme.ini's [database.postgresql]. The password is read from "
        f"the environment variable {postgres.PASSWORD_VARIABLE}. A missing database is "
        "created when the role may; the role must exist.",
    )
    group.add_argument(
        "--pg-host", metavar="HOST", help=f"server address (default: {postgres.DEFAULT_HOST})"
    )
    group.add_argument(
        "--pg-port",
        type=int,
        metavar="PORT",
        help=f"server port (default: {postgres.DEFAULT_PORT})",
    )
    group.add_argument("--pg-user", metavar="ROLE", help="role to log in as (default: the CSE-ID)")
    group.add_argument("--pg-database", metavar="NAME", help="database (default: the CSE-ID)")


def _postgres_given(args: argparse.Namespace) -> bool:
    return any(
        value is not None for value in (args.pg_host, args.pg_port, args.pg_user, args.pg_database)
    )


def _postgres_section(args: argparse.Namespace) -> dict[str, dict[str, object]] | None:
    """The `[database.postgresql]` section for a new acme.ini; ACME's defaults fill the rest."""
    if args.db != "postgresql":
        return None
    options: dict[str, object] = {
        "host": args.pg_host or postgres.DEFAULT_HOST,
        "port": args.pg_port or postgres.DEFAULT_PORT,
    }
    if args.pg_user:
        options["role"] = args.pg_user
    if args.pg_database:
        options["database"] = args.pg_database
    return {postgres.SECTION: options}


def _prepare_database(ini: Path, db: str | None) -> str:
    """For a PostgreSQL CSE, make its database exist; return what was done ("" otherwise).

    Raises `postgres.DatabaseError` when that is impossible.
    """
    if (db or postgres.database_type(ini)) != "postgresql":
        return ""
    server = postgres.from_ini(ini)
    created = postgres.ensure_database(server)
    return f"{'created' if created else 'unchanged':9} database {server}"


def _init(args: argparse.Namespace) -> int:
    ini = args.dir / layout.ACME_INI
    had_ini = ini.exists()
    changes = layout.lay_out(
        args.dir, port=args.port, db=args.db, agent=args.agent, extra=_postgres_section(args)
    )
    for change in changes:
        print(change)
    if had_ini and (args.port != DEFAULT_PORT or args.db != "memory" or _postgres_given(args)):
        print("note: acme.ini already existed; --port, --db and --pg-* were not applied to it")
    try:
        done = _prepare_database(ini, None)
    except postgres.DatabaseError as error:
        print(f"note: {error}")
    else:
        if done:
            print(done)
    return 0


def _run(args: argparse.Namespace) -> int:
    base = args.dir.resolve()
    overrides: list[str] = []
    if (base / layout.ACME_INI).exists():
        if _postgres_given(args):
            print(
                f"acme-swc run: {base / layout.ACME_INI} exists; set the PostgreSQL server in "
                f"its [{postgres.SECTION}] section instead of --pg-* options",
                file=sys.stderr,
            )
            return 2
        # The user's acme.ini stays as it is; explicit options win for this run only.
        if args.port is not None:
            overrides += ["--http-port", str(args.port)]
            overrides += ["--http-address", f"http://127.0.0.1:{args.port}"]
        if args.db is not None:
            overrides += ["--db-type", args.db]
    changes = layout.lay_out(
        base,
        port=args.port or DEFAULT_PORT,
        db=args.db or "memory",
        agent=args.agent,
        extra=_postgres_section(args),
    )
    for change in changes:
        if change.action != "unchanged":
            print(change)
    try:
        done = _prepare_database(base / layout.ACME_INI, args.db)
    except postgres.DatabaseError as error:
        print(f"acme-swc run: {error}", file=sys.stderr)
        return 1
    if done.startswith("created"):
        print(done)
    if args.log_level:
        overrides += ["--log-level", args.log_level]

    endpoint = CSEEndpoint.from_ini(base / layout.ACME_INI, port=args.port)
    print(f"Starting ACME in {base} ...", flush=True)
    return _supervise(acme_command(base, *overrides), endpoint, base)


class CSEEndpoint:
    """Where a CSE laid out in a runtime directory answers, read from its `acme.ini`."""

    def __init__(self, port: int, cse_id: str, cse_name: str, admin: str) -> None:
        self.port, self.cse_id, self.cse_name, self.admin = port, cse_id, cse_name, admin

    @classmethod
    def from_ini(cls, path: Path, port: int | None = None) -> CSEEndpoint:
        """Read port, CSE-ID, CSE name and admin originator; fall back to ACME's defaults."""
        parser = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
        parser.read(path, encoding="utf-8")

        def get(*places: tuple[str, str], default: str) -> str:
            for section, key in places:
                try:
                    return parser.get(section, key)
                except (configparser.Error, ValueError):
                    continue
            return default

        return cls(
            port=port or int(get(("basic.config", "httpPort"), ("http", "port"), default="8080")),
            cse_id=get(("basic.config", "cseID"), default="id-in").lstrip("/"),
            cse_name=get(("basic.config", "cseName"), default="cse-in"),
            admin=get(("basic.config", "adminID"), default="CAdmin"),
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def cse_url(self) -> str:
        """The CSEBase, SP-relative: ACME's HTTP binding maps `/~/x` to the ID `/x`."""
        return f"{self.base_url}/~/{self.cse_id}/{self.cse_name}"


def acme_command(base_dir: Path, *acme_args: str) -> list[str]:
    """The command that runs ACME headless on `base_dir` with this interpreter."""
    return [sys.executable, "-m", "acmecse", "-dir", str(base_dir), "--headless", *acme_args]


def child_environment() -> dict[str, str]:
    """The environment for an ACME child: unbuffered, and able to import this package.

    The folder holding `acme_swc_plugin` goes first on PYTHONPATH so that ACME loads the
    same plugin code as the caller, also from a checkout that is not installed.
    """
    env = dict(os.environ)
    package_parent = str(Path(acme_swc_plugin.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def restore_default_sigint() -> None:
    """`preexec_fn` for an ACME child: make SIGINT stop it again.

    A job started in the background from a non-interactive shell inherits an ignored
    SIGINT, and Python then never raises KeyboardInterrupt, so ACME would not stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _supervise(command: list[str], endpoint: CSEEndpoint, base: Path) -> int:
    """Run ACME, echo its output, announce it when ready, and stop it on SIGINT/SIGTERM.

    ACME runs in its own process group so that a terminal's Ctrl-C reaches it once,
    through us, as SIGINT. SIGTERM is forwarded as SIGINT too, because ACME has no
    SIGTERM handler and would lose buffered TinyDB writes. A second signal, or a
    shutdown slower than STOP_TIMEOUT, kills it. Returns ACME's exit status.
    """
    child = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_environment(),
        preexec_fn=restore_default_sigint,
        process_group=0,
    )
    ready, stopped = threading.Event(), threading.Event()
    echo = threading.Thread(target=_echo, args=(child, ready, stopped), daemon=True)
    echo.start()
    signals_seen: list[int] = []

    def forward(signum: int, _frame) -> None:
        signals_seen.append(signum)
        if child.poll() is None:
            os.kill(child.pid, signal.SIGINT if len(signals_seen) == 1 else signal.SIGKILL)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = _wait(child, ready, endpoint, base, signals_seen)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    if status < 0:
        return 128 - status
    echo.join(1.0)  # the last lines, STOPPED_LINE among them, are read after the exit
    if status == 1 and signals_seen and stopped.is_set():
        # ACME's main thread polls every 10 ms for the RUNNING state that a worker sets
        # before printing STARTED_LINE; an interrupt in that poll makes ACME report "did
        # not start" and exit 1 after a complete shutdown. The stop asked for happened.
        status = 0
    if not ready.is_set() and not signals_seen:
        print(f"ACME stopped during start-up; see the log in {base / 'logs'}", file=sys.stderr)
        return status or 1
    print(f"ACME stopped (exit status {status})", flush=True)
    return status


def _wait(child, ready, endpoint: CSEEndpoint, base: Path, signals_seen: list[int]) -> int:
    announced = False
    while child.poll() is None:
        if signals_seen:
            try:
                return child.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"ACME did not stop within {STOP_TIMEOUT:.0f} s; killing it", file=sys.stderr)
                os.kill(child.pid, signal.SIGKILL)
                return child.wait()
        if ready.wait(0.2) and not announced:
            announced = True
            print(
                f"CSE ready: {endpoint.cse_url} (admin originator {endpoint.admin})\n"
                f"Web UI:    {endpoint.base_url}/webui\n"
                f"Logs:      {base / 'logs'}\n"
                "Press Ctrl-C to stop.",
                flush=True,
            )
    return child.wait()


def _echo(child: subprocess.Popen, ready: threading.Event, stopped: threading.Event) -> None:
    for raw in child.stdout:  # type: ignore[union-attr]
        line = raw.decode(errors="replace")
        sys.stdout.write(line)
        sys.stdout.flush()
        if STARTED_LINE in line:
            ready.set()
        elif STOPPED_LINE in line:
            stopped.set()


if __name__ == "__main__":
    sys.exit(main())
