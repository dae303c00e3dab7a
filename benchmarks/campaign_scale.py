"""How a campaign's cost grows with its targets, against ACME's floor and an HTTP peer.

For each N (`--sizes`, default 100,1000,10000) and each variant (`--variants`, default
floor,peer,plugin) this starts a fresh ACME CSE on 127.0.0.1 (memory database, log level
warning, simulated device agent with zero delay), creates N local `<node>`s (not
measured), and then measures one campaign's work over them:

- floor: ACME's own cost of the resource work, done inside the CSE by the benchmark's
  floor plugin (`floor_plugin.py`): per target a `[software]`, a subscription, the
  flag, the device's answers, the subscription's deletion;
- peer: the same requests from this process over HTTP on a thread pool, with a
  notification receiver on 127.0.0.1 (what a user without the plugin would write);
- plugin: one `<softwareCampaign>` over the N targets, followed by a RETRIEVE every 2 s
  (`--poll`), as a user watching it would.

Per run: wall time to the last target done, the CSE's CPU time (and this process's for
the peer), the CSE's peak memory (VmHWM), and the CPU the rest of the machine used
meanwhile. Then the ratios plugin/floor and peer/plugin per N, and the growth exponent
of the plugin's time between sizes. Prints tables and, with `--json FILE`, writes all
figures with the machine's description. See `benchmarks/README.md`.

    /tmp/venv/bin/python benchmarks/campaign_scale.py --sizes 100,1000 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cse import BenchCSE, machine_busy  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from variants import BenchError, run_floor, run_peer, run_plugin, set_up  # noqa: E402

VARIANTS = ("floor", "peer", "plugin")
TARGETS = {
    "plugin_over_floor": 1.5,
    "peer_over_plugin": 3.0,
    "exponent": 1.1,
    "retrieve_median": 0.5,
    "retrieve_max": 2.0,
}
console = Console(stderr=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; known: {', '.join(VARIANTS)}")

    report = {"machine": machine_info(), "settings": vars(args) | {"sizes": sizes}, "runs": []}
    workdir = Path(tempfile.mkdtemp(prefix="swc-bench-", dir=args.workdir))
    try:
        for size in sizes:
            for variant in variants:
                console.log(f"N={size} {variant}: starting a fresh CSE")
                run = measure(workdir / f"{variant}-{size}", variant, size, args)
                report["runs"].append(run)
                console.log(f"N={size} {variant}: {run.get('seconds', 0):.2f} s {_short(run)}")
                if args.json:
                    _write(args.json, report)
    finally:
        report["machine"]["loadavg_end"] = _loadavg()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    report["comparison"] = compare(report["runs"], sizes)
    print_tables(report)
    if args.json:
        _write(args.json, report)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="target counts, e.g. 100,1000")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="floor,peer,plugin")
    parser.add_argument("--parallel", type=int, default=8, help="threads per run (8)")
    parser.add_argument("--limit", type=float, default=1800.0, help="seconds per run (1800)")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    parser.add_argument("--workdir", help="where the CSEs' runtime directories go (a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the runtime directories")
    parser.add_argument(
        "--poll",
        type=float,
        default=2.0,
        help="seconds between the plugin variant's RETRIEVEs of the campaign (2)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="record each run's CSE with py-spy (--gil, raw stacks) into DIR/<variant>-<N>.txt; "
        "profiled runs are slower, do not use their figures as results",
    )
    return parser


def measure(base_dir: Path, variant: str, size: int, args) -> dict:
    """One fresh CSE, its fleet, one run of `variant`; the figures of that run."""
    cse = BenchCSE(base_dir, variant, args.parallel).start()
    console.log(f"N={size} {variant}: CSE pid {cse.pid} on port {cse.port}, in {base_dir}")
    profiler = None
    try:
        setup_began = time.monotonic()
        fleet = set_up(cse, size, args.parallel)
        setup_seconds = time.monotonic() - setup_began
        cse.wait_quiet(30.0)
        memory_before = cse.memory()

        if args.profile:
            profiler = start_profiler(cse.pid, args.profile / f"{variant}-{size}.txt")
        cse_cpu, client_cpu, busy = cse.cpu(), time.process_time(), machine_busy()
        began = time.monotonic()
        try:
            if variant == "floor":
                figures = run_floor(cse, fleet, args.parallel, args.limit)
            elif variant == "peer":
                figures = run_peer(cse, fleet, args.parallel, args.limit)
            else:
                figures = run_plugin(cse, fleet, args.limit, args.poll)
        except BenchError as e:
            figures = {"failure": str(e)}
        cse_cpu_done = cse.cpu()
        cse.wait_quiet(60.0)
        elapsed = time.monotonic() - began
        cse_cpu_after = cse.cpu() - cse_cpu
        client_cpu = time.process_time() - client_cpu
        busy_after = machine_busy()
        if profiler:
            stop_profiler(profiler)
        memory = cse.memory()
    finally:
        cse.stop()

    other = (busy_after[0] - busy[0]) - cse_cpu_after - client_cpu
    return {
        "n": size,
        "variant": variant,
        **figures,
        "setup_seconds": setup_seconds,
        "cse_cpu_at_done": cse_cpu_done - cse_cpu,
        "cse_cpu": cse_cpu_after,
        "client_cpu": client_cpu,
        "rss_before_kib": memory_before["VmRSS"],
        "peak_kib": memory["VmHWM"],
        "growth_kib": max(0, memory["VmHWM"] - memory_before["VmRSS"]),
        "other_load_cores": max(0.0, other / elapsed),
        "measured_seconds": elapsed,
        "profiled": bool(profiler),
    }


def start_profiler(pid: int, output: Path) -> subprocess.Popen:
    output.parent.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "--gil", "--rate", "100"]
    command += ["--format", "raw", "--output", str(output), "--nonblocking"]
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches
    return profiler


def stop_profiler(profiler: subprocess.Popen) -> None:
    os.kill(profiler.pid, signal.SIGINT)
    try:
        profiler.wait(60)
    except subprocess.TimeoutExpired:
        os.kill(profiler.pid, signal.SIGKILL)
        profiler.wait()


# Comparison


def compare(runs: list[dict], sizes: list[int]) -> dict:
    """Ratios per size, growth exponents between sizes, and the targets' status."""
    by = {(run["n"], run["variant"]): run for run in runs if "seconds" in run}
    ratios = {}
    for size in sizes:
        floor, peer, plugin = (by.get((size, v)) for v in VARIANTS)
        entry = {}
        if plugin and floor:
            entry["plugin_over_floor"] = plugin["seconds"] / floor["seconds"]
            entry["plugin_over_floor_cpu"] = plugin["cse_cpu"] / floor["cse_cpu"]
        if plugin and peer:
            entry["peer_over_plugin"] = peer["seconds"] / plugin["seconds"]
            entry["peer_over_plugin_cpu"] = (peer["cse_cpu"] + peer["client_cpu"]) / plugin[
                "cse_cpu"
            ]
        ratios[size] = entry

    exponents = {}
    for small, large in zip(sizes, sizes[1:], strict=False):
        for variant in VARIANTS:
            a, b = by.get((small, variant)), by.get((large, variant))
            if a and b:
                exponents[f"{variant} {small}->{large}"] = {
                    "time": _exponent(a["seconds"], b["seconds"], small, large),
                    "cpu": _exponent(a["cse_cpu"], b["cse_cpu"], small, large),
                    "memory_growth": _exponent(a["growth_kib"], b["growth_kib"], small, large),
                }
    return {"ratios": ratios, "exponents": exponents, "targets": targets(by, ratios, exponents)}


def _exponent(a: float, b: float, small: int, large: int) -> float | None:
    if a <= 0 or b <= 0:
        return None
    return math.log(b / a) / math.log(large / small)


def targets(by: dict, ratios: dict, exponents: dict) -> list[dict]:
    """The performance targets of the campaign engine, each with its figure and verdict."""
    checks = []

    def check(name: str, value: float | None, limit: float, at_most: bool = True) -> None:
        if value is None:
            return
        met = value <= limit if at_most else value >= limit
        checks.append({"target": name, "value": value, "limit": limit, "met": met})

    for size in (1000, 10000):
        value = ratios.get(size, {}).get("plugin_over_floor")
        check(f"plugin/floor time at N={size} <= 1.5", value, TARGETS["plugin_over_floor"])
    value = ratios.get(1000, {}).get("peer_over_plugin")
    check("peer/plugin time at N=1000 >= 3", value, TARGETS["peer_over_plugin"], at_most=False)
    plugin_growth = exponents.get("plugin 1000->10000", {})
    check("plugin time exponent 1000->10000 <= 1.1", plugin_growth.get("time"), 1.1)
    check(
        "plugin memory growth exponent 1000->10000 <= 1.1", plugin_growth.get("memory_growth"), 1.1
    )
    if big := by.get((10000, "plugin")):
        finished = not big.get("timeout") and big.get("errors") == 0
        checks.append(
            {
                "target": "N=10000 campaign finishes, all INSTALLED",
                "value": big.get("done"),
                "limit": 10000,
                "met": finished,
            }
        )
        during = big["retrieve_during"]
        check(
            "N=10000 RETRIEVE median during run (s)", during["median"], TARGETS["retrieve_median"]
        )
        check("N=10000 RETRIEVE max during run (s)", during["max"], TARGETS["retrieve_max"])
    return checks


# Output


def print_tables(report: dict) -> None:
    out = Console(width=None if sys.stdout.isatty() else 150)
    machine = report["machine"]
    out.print(
        f"[bold]campaign_scale[/] on {machine['cpu_model']} x{machine['cores']}, "
        f"Python {machine['python']}, acmecse {machine['acmecse']}, "
        f"load {machine['loadavg_start']} -> {machine['loadavg_end']}"
    )
    table = Table(title="Runs (fresh CSE each; time = first request to last target done)")
    for column in (
        "N",
        "variant",
        "time s",
        "CSE CPU s",
        "client CPU s",
        "peak MiB",
        "growth MiB",
        "other load",
        "notes",
    ):
        table.add_column(column, justify="left" if column in ("variant", "notes") else "right")
    for run in report["runs"]:
        if "seconds" not in run:
            table.add_row(str(run["n"]), run["variant"], "-", "", "", "", "", "", run["failure"])
            continue
        table.add_row(
            str(run["n"]),
            run["variant"],
            f"{run['seconds']:.2f}",
            f"{run['cse_cpu']:.2f}",
            f"{run['client_cpu']:.2f}",
            f"{run['peak_kib'] / 1024:.0f}",
            f"{run['growth_kib'] / 1024:.1f}",
            f"{run['other_load_cores']:.2f}",
            _short(run),
        )
    out.print(table)

    comparison = report["comparison"]
    ratios = Table(title="Ratios (same run)")
    for column in (
        "N",
        "plugin/floor time",
        "plugin/floor CPU",
        "peer/plugin time",
        "peer/plugin CPU (CSE+client)",
    ):
        ratios.add_column(column, justify="right")
    for size, entry in comparison["ratios"].items():
        ratios.add_row(
            str(size),
            *(
                _fmt(entry.get(k))
                for k in (
                    "plugin_over_floor",
                    "plugin_over_floor_cpu",
                    "peer_over_plugin",
                    "peer_over_plugin_cpu",
                )
            ),
        )
    out.print(ratios)

    growth = Table(title="Growth exponents log(b/a)/log(Nb/Na)")
    for column in ("variant sizes", "time", "CSE CPU", "memory growth"):
        growth.add_column(column, justify="right")
    for name, entry in comparison["exponents"].items():
        growth.add_row(name, _fmt(entry["time"]), _fmt(entry["cpu"]), _fmt(entry["memory_growth"]))
    out.print(growth)

    verdicts = Table(title="Targets")
    for column in ("target", "value", "met"):
        verdicts.add_column(column)
    for entry in comparison["targets"]:
        verdicts.add_row(entry["target"], _fmt(entry["value"]), "yes" if entry["met"] else "NO")
    out.print(verdicts)


def _short(run: dict) -> str:
    if "failure" in run:
        return run["failure"][:80]
    notes = [f"done {run.get('done')}"]
    if run.get("errors"):
        notes.append(f"errors {run['errors']}")
    if run.get("timeout"):
        notes.append("TIMEOUT")
    if "retrieve_during" in run:
        during = run["retrieve_during"]
        notes.append(f"GET med {during['median'] * 1000:.0f} ms max {during['max'] * 1000:.0f} ms")
    if run.get("polled"):
        notes.append(f"polled {run['polled']}")
    if run.get("profiled"):
        notes.append("PROFILED")
    return ", ".join(notes)


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def machine_info() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    repo = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=repo).stdout

    commit = git("rev-parse", "--short", "HEAD").strip()
    # The CSEs import the plugin from this work tree: say which of its files differ.
    changed = [line[3:] for line in git("status", "--porcelain", "acme_swc_plugin").splitlines()]
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "acmecse": metadata.version("acmecse"),
        "acme_swc_plugin": metadata.version("acme-swc-plugin"),
        "commit": commit,
        "plugin_files_changed": changed,
        "kernel": platform.release(),
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _write(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
