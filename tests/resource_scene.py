"""Building blocks for the integration tests of the `<softwareCampaign>` resource.

A `Scene` is what one test needs on a CSE: an ordinary registered AE (not the admin),
a `<node>` created by the admin to target, and a `<container>` of the AE whose `cni`
serves as trigger subject. `held_back()` is a trigger criterion on that container that
does not hold (`cni` equal to 99999), so a campaign created with it stays
NOT_YET_STARTED and its status can be asserted. Every name is unique, so tests can
share one CSE.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cse import ADMIN, CSEProcess, wait_until
from onem2m import OneM2MClient

CAMPAIGN = 67
CAMPAIGN_ANNC = 10067
NODE = 14
CONTAINER = 3

NOT_YET_STARTED, IN_PROGRESS, ERROR = 1, 2, 7
INSTALL = 1
RUN_TIMEOUT = 20.0
"""Seconds a campaign aimed at a `<node>` the AE may not touch needs to end in ERROR."""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Scene:
    """One test's resources on a CSE; paths are SP-relative URL paths (`/~/id-in/...`)."""

    cse: CSEProcess
    ae: str
    """The AE-ID, the originator of the test's requests."""
    ae_path: str
    node_path: str
    node_ri: str
    node_id: str
    """The node as a campaign names it, CSE-relative with the CSE name: `cse-in/<rn>`."""
    container_id: str

    @property
    def client(self) -> OneM2MClient:
        return self.cse.client

    def path(self, campaign_name: str) -> str:
        return f"{self.cse.cse_path}/{campaign_name}"

    def held_back(self) -> list[dict]:
        """Trigger criteria that do not hold: the campaign stays NOT_YET_STARTED."""
        return [trigger(self.container_id, "cni", 1, 99999)]

    def body(self, name: str | None = None, **attributes) -> dict:
        """A valid campaign on the scene's node, held back by `held_back()`.

        `attributes` override or add attributes; an attribute given as `...` is left out.
        """
        swc = {
            "rn": name or unique("swc"),
            "swvr": "1.0",
            "swnm": unique("fw"),
            "swur": "http://example.com/fw.bin",
            "swtg": [self.node_id],
            "swop": INSTALL,
            "swtc": self.held_back(),
        }
        swc.update(attributes)
        return {"m2m:swc": {k: v for k, v in swc.items() if v is not ...}}

    def create(self, body: dict, originator: str | None = None) -> tuple[int, dict]:
        return self.client.create(self.cse.cse_path, CAMPAIGN, body, originator or self.ae)

    def create_ok(self, body: dict) -> dict:
        """Create the campaign `body` and return its attributes; fail on anything but 2001."""
        rsc, answer = self.create(body)
        assert rsc == 2001, f"campaign not created: {rsc} {answer}"
        return answer["m2m:swc"]

    def retrieve(self, name: str) -> dict:
        rsc, answer = self.client.retrieve(self.path(name), self.ae)
        assert rsc == 2000, f"campaign {name} not retrievable: {rsc} {answer}"
        return answer["m2m:swc"]

    def update(self, name: str, attributes: dict) -> tuple[int, dict]:
        return self.client.update(self.path(name), {"m2m:swc": attributes}, self.ae)

    def wait_status(self, name: str, status: int, timeout: float = RUN_TIMEOUT) -> dict:
        """Wait until the campaign's aggregated status is `status`; return the campaign."""
        try:
            return wait_until(lambda: _with_status(self.retrieve(name), status), timeout)
        except TimeoutError:
            last = self.retrieve(name)
            raise AssertionError(f"agss stayed {last['agss']}, expected {status}: {last}") from None


def _with_status(campaign: dict, status: int) -> dict | None:
    return campaign if campaign["agss"] == status else None


def trigger(subject: str, attribute: str, operator: int, threshold: object) -> dict:
    """One entry of `swtc`: `{sri, evc: {sbjt, optr, thld}}`."""
    return {"sri": subject, "evc": {"sbjt": attribute, "optr": operator, "thld": threshold}}


def make_scene(cse: CSEProcess, poa: list[str] | None = None) -> Scene:
    """Register a fresh AE, and create a `<node>` (by the admin) and the AE's container.

    The node has no ACP for the AE: CREATE accepts it as a target, but a run that
    starts fails on it, which ends the campaign in ERROR quickly.
    """
    client = cse.client
    ae_name = unique("ae")
    ae = client.register_ae(ae_name, poa=poa)
    ae_path = f"{cse.cse_path}/{ae_name}"

    node_name = unique("node")
    rsc, answer = client.create(
        cse.cse_path, NODE, {"m2m:nod": {"rn": node_name, "ni": node_name}}, ADMIN
    )
    assert rsc == 2001, f"node not created: {rsc} {answer}"

    rsc, answer = client.create(ae_path, CONTAINER, {"m2m:cnt": {"rn": "subject"}}, ae)
    assert rsc == 2001, f"container not created: {rsc} {answer}"

    return Scene(
        cse=cse,
        ae=ae,
        ae_path=ae_path,
        node_path=f"{cse.cse_path}/{node_name}",
        node_ri=answer_ri(client, f"{cse.cse_path}/{node_name}"),
        node_id=f"{cse.cse_name}/{node_name}",
        container_id=f"{cse.cse_name}/{ae_name}/subject",
    )


def answer_ri(client: OneM2MClient, path: str) -> str:
    rsc, answer = client.retrieve(path, ADMIN)
    assert rsc == 2000, f"{path}: {rsc} {answer}"
    return next(iter(answer.values()))["ri"]


class NotificationReceiver:
    """An HTTP notification target on 127.0.0.1 (a free port) for `<subscription>`s.

    Answers every NOTIFY, verification requests included, with 2000 and keeps the
    bodies in a queue. Use as a context manager; `url` is the `nu`/`poa` to give.
    """

    def __init__(self) -> None:
        received: queue.Queue[dict] = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                received.put(json.loads(raw or b"{}"))
                self.send_response(200)
                self.send_header("X-M2M-RSC", "2000")
                self.send_header("X-M2M-RI", self.headers.get("X-M2M-RI", ""))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.received = received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_matching(self, predicate, timeout: float = 10.0) -> dict:
        """The next notification body for which `predicate(body)` is true.

        Raises AssertionError when none arrives within `timeout` seconds.
        """
        seen = []
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                body = self.received.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if predicate(body):
                return body
            seen.append(body)
        raise AssertionError(f"no matching notification within {timeout:.0f} s; got {seen}")
