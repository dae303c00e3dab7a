"""The fleet every run works on, and the three ways of doing a campaign's work on it.

- `set_up`: an AE (the campaign creator), an ACP that lets it manage the `<node>`s, and
  N `<node>`s, created over HTTP on a thread pool. Not measured.
- `run_floor`: the benchmark's floor plugin does the resource work inside the CSE.
- `run_peer`: this process orchestrates over HTTP, as a user without the plugin would.
- `run_plugin`: one `<softwareCampaign>` over the N targets.

Each `run_*` returns when every target is done (or the time limit passed) with its
`seconds` from the first request to the last target done, and figures of its own.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench_cse import ADMIN, CSE_PATH, BenchCSE
from client import Client, Receiver

from acme_swc_plugin.protocol import load

PROTOCOL = load()
CAMPAIGN_TYPE = PROTOCOL.campaign.code
UNFINISHED = (int(PROTOCOL.status.NOT_YET_STARTED), int(PROTOCOL.status.IN_PROGRESS))
INSTALL = int(PROTOCOL.operation.INSTALL)
SOFTWARE = {"vr": "1.0", "swn": "benchapp", "url": "http://127.0.0.1/packages/app.tar.gz"}
SUCCESSFUL = 1
FAILED = 2
STALL_LIMIT = 10.0
"""Seconds without a notification after which the peer falls back to polling."""


class BenchError(RuntimeError):
    """A run could not be set up or did not finish."""


@dataclass
class Fleet:
    originator: str
    nodes: list[str]
    """`<node>` resource IDs on the CSE."""

    def sp_ids(self, csi: str = "/id-in") -> list[str]:
        return [f"{csi}/{ri}" for ri in self.nodes]


def _check(rsc: int, body: dict, expected: int, what: str) -> dict:
    if rsc != expected:
        raise BenchError(f"{what}: {rsc} {json.dumps(body)[:300]}")
    return body


def set_up(cse: BenchCSE, count: int, threads: int) -> Fleet:
    """An AE `Cbench`, an ACP granting it everything on the nodes, and `count` nodes."""
    client = Client(cse.base_url)
    ae = {"rn": "benchapp", "api": "Nbench", "rr": False, "srv": ["5"]}
    body = _check(*client.create(CSE_PATH, 2, {"m2m:ae": ae}, "Cbench"), 2001, "AE")
    originator = body["m2m:ae"]["aei"]
    acp = {
        "rn": "acpBench",
        "pv": {"acr": [{"acor": [originator], "acop": 63}]},
        "pvs": {"acr": [{"acor": [ADMIN], "acop": 63}]},
    }
    _check(*client.create(CSE_PATH, 1, {"m2m:acp": acp}, ADMIN), 2001, "ACP")

    def make_node(index: int) -> str:
        node = {"rn": f"node{index}", "ni": f"ni{index}", "acpi": ["cse-in/acpBench"]}
        body = _check(*client.create(CSE_PATH, 14, {"m2m:nod": node}, ADMIN), 2001, "node")
        return body["m2m:nod"]["ri"]

    with ThreadPoolExecutor(threads) as pool:
        nodes = list(pool.map(make_node, range(count)))
    return Fleet(originator, nodes)


# The floor


def run_floor(cse: BenchCSE, fleet: Fleet, threads: int, limit: float) -> dict:
    """Trigger the floor plugin and wait for its result file."""
    client = Client(cse.base_url)
    result_file = cse.base_dir / "floor-result.json"
    labels = [
        f"floor:originator={fleet.originator}",
        f"floor:parallel={threads}",
        f"floor:result={result_file}",
    ]
    prep = {"m2m:cnt": {"rn": "floor-prep", "lbl": labels}}
    _check(*client.create(CSE_PATH, 3, prep, ADMIN), 2001, "floor-prep")
    prepared = _wait_file(result_file, "prepared", 60.0)
    if prepared["prepared"] != len(fleet.nodes):
        raise BenchError(f"floor plugin sees {prepared['prepared']} nodes, not {len(fleet.nodes)}")

    began = time.time()
    _check(*client.create(CSE_PATH, 3, {"m2m:cnt": {"rn": "floor-go"}}, ADMIN), 2001, "go")
    result = _wait_file(result_file, "done", limit)
    return {
        "seconds": result["done"] - began,
        "done": result["targets"],
        "errors": len(result["failed"]),
        "timeout": "timeout" in result,
    }


def _wait_file(path: Path, key: str, limit: float) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.exists():
            content = json.loads(path.read_text(encoding="utf-8"))
            if key in content:
                return content
        time.sleep(0.05)
    raise BenchError(f"no {key!r} in {path} within {limit:.0f} s")


# The peer


class PeerOrchestrator:
    """What a user without the plugin writes: the campaign's requests over HTTP."""

    def __init__(self, cse: BenchCSE, fleet: Fleet, threads: int) -> None:
        self.client = Client(cse.base_url)
        self.fleet = fleet
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="peer")
        self.lock = threading.Lock()
        self.software_of: dict[str, str] = {}
        """Target `<node>` -> its `[software]` ri."""
        self.target_of: dict[str, str] = {}
        """Subscription ri -> target `<node>`."""
        self.subscription_of: dict[str, str] = {}
        self.status: dict[str, int] = {}
        """Target -> SUCCESSFUL or FAILED, once decided."""
        self.errors: list[str] = []
        self.finished = threading.Event()
        self.last_progress = time.monotonic()
        self.polled = 0

    def run(self, receiver_url: str, limit: float) -> bool:
        """Start every target, then wait until all are decided; False on timeout."""
        self.receiver_url = receiver_url
        for node in self.fleet.nodes:
            self.pool.submit(self._guarded, self._drive, node)
        deadline = time.monotonic() + limit
        while not self.finished.wait(1.0):
            if time.monotonic() > deadline:
                return False
            if time.monotonic() - self.last_progress > STALL_LIMIT:
                self._poll_open_targets()
        return True

    def _guarded(self, function, *args) -> None:
        try:
            function(*args)
        except Exception as e:  # a failing target is decided as failed, the others go on
            with self.lock:
                self.errors.append(f"{function.__name__}{args}: {e}")
            self._decide(args[0], FAILED)

    def _drive(self, node: str) -> None:
        software = {"m2m:swr": {"mgd": 1002, "rn": "peer-1", **SOFTWARE}}
        body = _check(
            *self.client.create(f"/~/id-in/{node}", 13, software, self.fleet.originator),
            2001,
            "[software]",
        )
        software_ri = body["m2m:swr"]["ri"]
        subscription = {
            "m2m:sub": {
                "nu": [self.receiver_url],
                "su": self.receiver_url,
                "nct": 1,
                "enc": {"net": [1, 2], "atr": ["ins"]},
            }
        }
        body = _check(
            *self.client.create(f"/~/id-in/{software_ri}", 23, subscription, self.fleet.originator),
            2001,
            "subscription",
        )
        with self.lock:
            self.software_of[node] = software_ri
            self.target_of[body["m2m:sub"]["ri"]] = node
            self.subscription_of[node] = body["m2m:sub"]["ri"]
        flag = {"m2m:swr": {"in": True}}
        _check(
            *self.client.update(f"/~/id-in/{software_ri}", flag, self.fleet.originator),
            2004,
            "flag",
        )

    def notified(self, notification: dict) -> None:
        if notification.get("sud"):
            return
        subscription = (notification.get("sur") or "").rsplit("/", 1)[-1]
        representation = (notification.get("nev") or {}).get("rep") or {}
        software = representation.get("m2m:swr", representation)
        sus = (software.get("ins") or {}).get("sus")
        with self.lock:
            node = self.target_of.get(subscription)
        if node is not None and sus in (SUCCESSFUL, FAILED):
            self._decide(node, sus)

    def _decide(self, node: str, status: int) -> None:
        with self.lock:
            if node in self.status:
                return
            self.status[node] = status
            self.last_progress = time.monotonic()
            subscription = self.subscription_of.get(node)
            if len(self.status) == len(self.fleet.nodes):
                self.done_at = time.time()
                self.finished.set()
        if subscription is not None:
            self.pool.submit(self._delete, subscription)

    def _delete(self, subscription: str) -> None:
        self.client.delete(f"/~/id-in/{subscription}", self.fleet.originator)

    def _poll_open_targets(self) -> None:
        """The fallback when notifications stop: read the open targets' `ins`."""
        with self.lock:
            open_targets = [
                (node, ri) for node, ri in self.software_of.items() if node not in self.status
            ]
            self.last_progress = time.monotonic()
        for node, software_ri in open_targets:
            rsc, body = self.client.retrieve(f"/~/id-in/{software_ri}", self.fleet.originator)
            self.polled += 1
            sus = ((body.get("m2m:swr") or {}).get("ins") or {}).get("sus")
            if rsc == 2000 and sus in (SUCCESSFUL, FAILED):
                self._decide(node, sus)


def run_peer(cse: BenchCSE, fleet: Fleet, threads: int, limit: float) -> dict:
    peer = PeerOrchestrator(cse, fleet, threads)
    with Receiver(peer.notified) as receiver:
        began = time.time()
        finished = peer.run(receiver.url, limit)
        ended = getattr(peer, "done_at", time.time())
        peer.pool.shutdown(wait=True, cancel_futures=not finished)
    failed = sum(1 for status in peer.status.values() if status != SUCCESSFUL)
    return {
        "seconds": ended - began,
        "done": len(peer.status) - failed,
        "errors": failed,
        "timeout": not finished,
        "polled": peer.polled,
        "error_samples": peer.errors[:5],
    }


# The plugin


def run_plugin(cse: BenchCSE, fleet: Fleet, limit: float, poll: float) -> dict:
    """CREATE a campaign over every node and RETRIEVE it every `poll` s until terminal.

    `seconds` runs from sending the CREATE to the campaign's `lt` at its terminal write,
    so the polling interval does not blur it; `seen_seconds` is when the poll saw it.
    """
    client = Client(cse.base_url)
    body = {
        "m2m:swc": {
            "rn": "bench",
            "swvr": SOFTWARE["vr"],
            "swnm": SOFTWARE["swn"],
            "swur": SOFTWARE["url"],
            "swtg": fleet.sp_ids(),
            "swop": INSTALL,
        }
    }
    began = time.time()
    created = _check(*client.create(CSE_PATH, CAMPAIGN_TYPE, body, fleet.originator), 2001, "swc")
    create_seconds = time.time() - began
    path = f"{CSE_PATH}/{created['m2m:swc']['rn']}"

    latencies = []
    deadline = time.monotonic() + limit
    while True:
        asked = time.monotonic()
        rsc, body = client.retrieve(path, fleet.originator)
        latencies.append(time.monotonic() - asked)
        campaign = _check(rsc, body, 2000, "RETRIEVE campaign")["m2m:swc"]
        if campaign["agss"] not in UNFINISHED or time.monotonic() > deadline:
            break
        time.sleep(max(0.0, poll - (time.monotonic() - asked)))
    seen = time.time() - began

    after = []
    for _ in range(5):
        asked = time.monotonic()
        client.retrieve(path, fleet.originator)
        after.append(time.monotonic() - asked)

    statuses = [entry["swst"] for entry in campaign["inss"]]
    installed = int(PROTOCOL.status.INSTALLED)
    return {
        "seconds": _epoch(campaign["lt"]) - began,
        "seen_seconds": seen,
        "create_seconds": create_seconds,
        "agss": campaign["agss"],
        "done": statuses.count(installed),
        "errors": len(statuses) - statuses.count(installed),
        "timeout": campaign["agss"] in UNFINISHED,
        "retrieve_during": {
            "count": len(latencies),
            "median": statistics.median(latencies),
            "max": max(latencies),
        },
        "retrieve_after": {"median": statistics.median(after), "max": max(after)},
    }


def _epoch(timestamp: str) -> float:
    """ACME's `20260510T101112,123456` (UTC) as POSIX seconds."""
    moment = datetime.strptime(timestamp, "%Y%m%dT%H%M%S,%f")
    return moment.replace(tzinfo=UTC).timestamp()
