"""What the reliability and security tests look at after a campaign: the `[software]`
under each target, subscriptions left behind, and the device agent's work as its log
shows it.

The agent logs each step at DEBUG level (`swcagent: <ri> install in process, ...` and
`swcagent: <ri> install success`), so a CSE whose agent is counted runs with
`DEBUG_LOG` in its settings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from cse import CSEProcess
from fleet import ADMIN, sp

MGMTOBJ, SUBSCRIPTION = 13, 23

DEBUG_LOG = {
    "basic.config": {"logLevel": "debug"},
    "logging": {"size": 200_000_000, "count": 2},  # one file: no line rotated away
}
"""Settings that make ACME and the agent log every step."""


def software_under(cse: CSEProcess, node_id: str) -> list[str]:
    """The resource IDs of the `[software]` (any `mgmtObj`) under the `<node>` `node_id`."""
    rsc, uris = cse.client.discover(sp(cse, node_id), ADMIN, {"ty": MGMTOBJ})
    assert rsc == 2000, uris
    return [_ri(cse, uri) for uri in uris]


def subscriptions_on(cse: CSEProcess, software_id: str) -> list[str]:
    """The `<subscription>`s left on a `[software]` (by its ID as a campaign lists it)."""
    rsc, uris = cse.client.discover(sp(cse, software_id), ADMIN, {"ty": SUBSCRIPTION})
    assert rsc == 2000, uris
    return uris


def local_ri(software_id: str) -> str:
    """`/id-mn/swr123` -> `swr123`; a local ID stays as it is."""
    return software_id.rsplit("/", 1)[-1]


def agent_steps(cse: CSEProcess, software_id: str, operation: str = "install") -> dict[str, int]:
    """How often the device agent on `cse` logged each step of `operation` for a
    `[software]`: `started` (reported in process) and `answered` (a first answer,
    success or failure; a `twice`/`flaky` device's second answer is not counted)."""
    log = cse.log()
    ri = re.escape(local_ri(software_id))
    return {
        "started": len(re.findall(rf"swcagent: {ri} {operation} in process", log)),
        "answered": len(re.findall(rf"swcagent: {ri} {operation} (success|failure)$", log, re.M)),
    }


def _ri(cse: CSEProcess, uri: str) -> str:
    """The `ri` of a resource that discovery named by its structured ID on `cse`."""
    rsc, body = cse.client.retrieve(f"/~{cse.csi}/{uri}", ADMIN)
    assert rsc == 2000, (uri, body)
    return next(iter(body.values()))["ri"]


def edit_tinydb(cse: CSEProcess, file: str, change: Callable[[dict], None]) -> None:
    """Change a stopped CSE's TinyDB file `file` (`resources`, `identifiers`, ...) in
    place: `change(tables)` gets its `{table: {doc_id: document}}` and edits it."""
    (path,) = (cse.base_dir / "data").glob(f"{file}-*.json")
    tables = json.loads(path.read_text(encoding="utf-8"))
    change(tables)
    path.write_text(json.dumps(tables), encoding="utf-8")


def drop(documents: dict, ri: str) -> None:
    """Remove the documents of resource `ri` from a table."""
    for doc_id in [i for i, doc in documents.items() if doc.get("ri") == ri]:
        del documents[doc_id]


def document(documents: dict, ri: str) -> dict:
    """The stored document of the resource `ri` in a `resources` table."""
    (found,) = [doc for doc in documents.values() if doc.get("ri") == ri]
    return found
