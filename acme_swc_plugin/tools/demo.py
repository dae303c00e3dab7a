"""`acme-swc demo`: the whole product on one machine, started and stopped by one command.

The scenario, all on 127.0.0.1:

1. build a small `.tar.gz` package and serve it from a local HTTP server (real mode);
2. start an IN-CSE with the campaign plugin and two MN-CSEs (`id-mn1`, `id-mn2`)
   registered to it, whose `<node>`s have the device agent (real mode: packages go to
   `<MN dir>/packages/<node>/`; `--simulate`: simulated devices);
3. register an AE on the IN-CSE and create the targets' `<node>`s on the MN-CSEs with
   an ACP that grants the AE's SP-relative ID `/id-in/<AE-ID>`;
4. run an INSTALL campaign over all nodes with live progress and a per-target table,
   then (unless `--install-only`) an UNINSTALL campaign over the same nodes;
5. stop everything it started, by PID, also on Ctrl-C or SIGTERM.

The demo succeeds (exit 0) when every target of each campaign reached the operation's
success status and, in real mode, the package's folder exists after the INSTALL and
is gone after the UNINSTALL on every node.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ..core.status import success_status
from . import view
from .children import ADMIN, ChildError, CSEChild, interrupt
from .onem2m import Client, CSEUnreachable
from .package_server import PackageServer, build_package
from .status import CAMPAIGN_TYPE

SOFTWARE, VERSION = "demo-app", "1.0"
AE_NAME = "swcdemo"
MIDDLE_NODES = ("id-mn1", "id-mn2")
INTERRUPTED = 130

CAMPAIGN_SETTINGS = {"targetTimeout": 60, "statusWriteInterval": 0.2}
"""Settings of every demo CSE: a silent target fails within a minute; brisk updates."""


class DemoError(Exception):
    """A step of the demo failed; the message says which and where to look."""


@dataclass(frozen=True)
class Options:
    targets: int = 6
    simulate: bool = False
    uninstall: bool = True
    directory: Path | None = None
    timeout: float = 120.0


@dataclass
class Target:
    """One `<node>` of the demo: its SP-relative ID and name, and its package folder (real
    mode)."""

    node_id: str
    name: str
    package_dir: Path | None


@dataclass
class Scene:
    """What the demo started, to be stopped in reverse order."""

    children: list[CSEChild] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def command(options: Options, screen: Console | None = None) -> int:
    """Run the demo; return 0 when it ended as expected, 1 when not, 130 on Ctrl-C."""
    screen = screen or view.console()
    if options.directory is not None and any(options.directory.glob("*")):
        # Runtime directories of an earlier run keep their acme.ini and so their old ports.
        screen.print(f"[red]error:[/red] --dir {options.directory} is not empty; name a new folder")
        return 1
    work = options.directory or Path(tempfile.mkdtemp(prefix="acme-swc-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    scene = Scene()
    status = 1
    try:
        with ExitStack() as cleanup:
            cleanup.callback(_stop_children, scene, screen)
            status = _run(options, work, scene, cleanup, screen)
    except KeyboardInterrupt:
        screen.print("[yellow]Interrupted: everything the demo started was stopped.[/yellow]")
        status = INTERRUPTED
    except (DemoError, ChildError, CSEUnreachable) as e:
        screen.print(f"[red]The demo failed:[/red] {e}")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    if status == 0 and options.directory is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        screen.print(f"The CSEs' runtime directories and logs are in {work}")
    return status


def _run(options: Options, work: Path, scene: Scene, cleanup: ExitStack, screen) -> int:
    mode = "simulated" if options.simulate else "real"
    screen.rule(f"acme-swc demo: {options.targets} targets, {mode} device agent")

    url = None
    if not options.simulate:
        package = build_package(work / "served", SOFTWARE, VERSION)
        server = cleanup.enter_context(PackageServer(package.path.parent))
        url = server.url(package.path.name, package.sha256)
        screen.print(f"Package {SOFTWARE} {VERSION} served at {url}")

    infrastructure, middles = _start_cses(options, work, scene, screen)
    client = Client(infrastructure.cse_url, "C")
    aei = _register_ae(client)
    client = Client(infrastructure.cse_url, aei)
    screen.print(f"AE {AE_NAME} registered on the IN-CSE as {aei}")
    scene.targets = _make_targets(middles, options, aei, work)
    screen.print(f"{len(scene.targets)} <node>s created on {', '.join(MIDDLE_NODES)}")

    url = url or f"http://127.0.0.1/{SOFTWARE}-{VERSION}.tar.gz"
    ok = _campaign(client, scene, "install", url, options, screen)
    if ok and options.uninstall:
        ok = _campaign(client, scene, "uninstall", url, options, screen)
    if ok:
        screen.print("[green]The demo ended as expected.[/green]")
    else:
        screen.print("[red]The demo did not end as expected: see the table above.[/red]")
    return 0 if ok else 1


def _start_cses(options: Options, work: Path, scene: Scene, screen):
    agent = {"agentMode": "simulate" if options.simulate else "real"}
    if options.simulate:
        agent["agentDelay"] = 0.5
    else:
        agent["agentPackagesDir"] = "packages/{node}"
    allowed = ",".join(f"/{csi}" for csi in MIDDLE_NODES)
    infrastructure = CSEChild(
        work / "in",
        settings={
            "plugin.swc": CAMPAIGN_SETTINGS,
            "cse.registration": {"allowedCSROriginators": allowed},
        },
    )
    scene.children.append(infrastructure)
    screen.print("Starting the IN-CSE ...")
    infrastructure.launch()
    infrastructure.wait_ready()

    middles = []
    for number, csi in enumerate(MIDDLE_NODES, 1):
        middle = CSEChild(
            work / f"mn{number}",
            cse_type="MN",
            cse_id=csi,
            cse_name=f"cse-mn{number}",
            registrar_port=infrastructure.port,
            agent=True,
            settings={"plugin.swc": {**CAMPAIGN_SETTINGS, **agent}},
        )
        scene.children.append(middle)
        middles.append(middle)
    screen.print(f"Starting the MN-CSEs {', '.join(MIDDLE_NODES)} ...")
    for middle in middles:
        middle.launch()
    for middle in middles:
        middle.wait_ready()
    for middle in middles:
        middle.wait_registered(infrastructure)
    screen.print(
        f"IN-CSE at {infrastructure.cse_url}; "
        + ", ".join(f"{m.cse_id} at {m.cse_url}" for m in middles)
        + " registered to it"
    )
    return infrastructure, middles


def _register_ae(client: Client) -> str:
    body = {"m2m:ae": {"rn": AE_NAME, "api": "Nswcdemo", "rr": False, "srv": ["5"]}}
    client.originator = f"C{AE_NAME}"
    rsc, answer = client.create("", 2, body)
    if rsc != 2001:
        raise DemoError(f"the AE was not registered: {rsc} {answer}")
    return answer["m2m:ae"]["aei"]


def _make_targets(middles: list[CSEChild], options: Options, aei: str, work: Path) -> list:
    targets = []
    for index, middle in enumerate(middles):
        count = options.targets // len(middles) + (index < options.targets % len(middles))
        acp = {
            "rn": "acpDemoFleet",
            "pv": {"acr": [{"acor": [f"/id-in/{aei}", aei], "acop": 63}]},
            "pvs": {"acr": [{"acor": [ADMIN], "acop": 63}]},
        }
        _created(middle.admin.create("", 1, {"m2m:acp": acp}), "the fleet's ACP")
        for number in range(1, count + 1):
            name = f"gw{index + 1}-{number:03d}"
            node = {"rn": name, "ni": name, "acpi": [f"{middle.cse_name}/acpDemoFleet"]}
            created = _created(middle.admin.create("", 14, {"m2m:nod": node}), f"<node> {name}")
            folder = None if options.simulate else middle.base_dir / "packages" / name / SOFTWARE
            node_id = f"/{middle.cse_id}/{created['m2m:nod']['ri']}"
            targets.append(Target(node_id, name, folder))
    return targets


def _campaign(client: Client, scene: Scene, operation: str, url: str, options, screen) -> bool:
    """Create one campaign over all targets, follow it, show its table; True when as
    expected."""
    code = int(getattr(view.OPERATION, operation.upper()))
    body = {
        "m2m:swc": {
            "rn": f"{SOFTWARE}-{VERSION}-{operation}",
            "swnm": SOFTWARE,
            "swvr": VERSION,
            "swur": url,
            "swop": code,
            "swtg": [t.node_id for t in scene.targets],
        }
    }
    created = _created(client.create("", CAMPAIGN_TYPE, body), f"the {operation} campaign")
    ri = created["m2m:swc"]["ri"]
    screen.rule(f"Campaign {body['m2m:swc']['rn']}: {operation.upper()} on {len(scene.targets)}")

    campaign = _follow(client, ri, options.timeout, screen)
    columns = {"<node>": {t.node_id: t.name for t in scene.targets}}
    on_disk = {t.node_id: _disk_state(t) for t in scene.targets if t.package_dir is not None}
    if on_disk:
        columns["package folder"] = on_disk
    screen.print(view.target_table(campaign, columns))

    wanted = view.status_name(success_status(code))
    statuses = {view.status_name(e.get("swst")) for e in campaign["inss"]}
    as_expected = view.status_name(campaign["agss"]) == wanted and statuses == {wanted}
    if on_disk:
        expected_disk = "installed" if operation == "install" else "absent"
        as_expected = as_expected and set(on_disk.values()) == {expected_disk}
    return as_expected


def _follow(client: Client, ri: str, timeout: float, screen) -> dict:
    deadline = time.monotonic() + timeout
    with view.CampaignProgress(screen) as bars:
        while True:
            rsc, body = client.retrieve(ri)
            if rsc != 2000:
                raise DemoError(f"the campaign {ri} could not be read: {rsc} {body}")
            campaign = body["m2m:swc"]
            bars.show(ri, campaign)
            if view.is_finished(campaign):
                return campaign
            if time.monotonic() >= deadline:
                raise DemoError(f"the campaign {ri} did not end within {timeout:g} s")
            time.sleep(0.3)


def _disk_state(target: Target) -> str:
    version = target.package_dir / VERSION
    return "installed" if (version / "VERSION").is_file() else "absent"


def _created(answer: tuple[int, dict], what: str) -> dict:
    rsc, body = answer
    if rsc != 2001:
        raise DemoError(f"{what} was not created: {rsc} {body.get('m2m:dbg', body)}")
    return body


def _stop_children(scene: Scene, screen) -> None:
    """Stop the CSEs, registrees first, each by its PID; Ctrl-C cannot cut this short."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if any(c.process is not None for c in scene.children):
            screen.print("Stopping the CSEs ...")
        threads = [threading.Thread(target=child.stop) for child in reversed(scene.children[1:])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if scene.children:
            scene.children[0].stop()
    finally:
        signal.signal(signal.SIGINT, previous)
