"""How often a RETRIEVE of a `<group>` right after a member's DELETE still counts the member.

ACME removes a deleted resource from the `<group>`s that have it as a member in a
handler of its `deleteResource` event, which runs on a background thread after the
DELETE has been answered. ACME's `testGRP.test_addDeleteContainerCheckMID` reads the
group's `cnm` right after the DELETE and fails when it overtakes that handler. This
repeats the test's steps on a fresh CSE with the plugin and on a stock one, on
127.0.0.1, and prints how many of the RETRIEVEs overtook it in each:

    python tests/acme_group_race.py [ROUNDS]     # default 300 per CSE
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from cse import ADMIN, CSEProcess
from onem2m import OneM2MClient

from acme_swc_plugin import layout

GROUP, CONTAINER = 9, 3
SETTLE_BOUND = 5.0
"""Seconds a stale member count may take to be corrected before the probe gives up."""


def start(base: Path, with_plugin: bool) -> CSEProcess:
    cse = CSEProcess(base)
    if not with_plugin:
        layout.lay_out(cse.base_dir, port=cse.port, cse_type=cse.cse_type)
        layout.remove(cse.base_dir)  # the same acme.ini, without the plugin
        cse.plugin = False
    cse.start()
    return cse


def overtaken(client: OneM2MClient, rounds: int) -> tuple[int, float]:
    """Run the test's steps `rounds` times; return how many RETRIEVEs saw the deleted
    member still counted, and the longest time until the count was right."""
    ae = client.register_ae("grouprace")
    parent = f"{client.cse_path}/grouprace"
    group = {"m2m:grp": {"rn": "group", "mnm": 10, "mid": []}}
    rsc, body = client.create(parent, GROUP, group, ae)
    if rsc != 2001:
        raise SystemExit(f"cannot create the <group>: {rsc} {body}")

    stale, longest = 0, 0.0
    for number in range(rounds):
        rsc, body = client.create(parent, CONTAINER, {"m2m:cnt": {"rn": f"c{number}"}}, ae)
        client.update(f"{parent}/group", {"m2m:grp": {"mid": [body["m2m:cnt"]["ri"]]}}, ae)
        client.delete(f"{parent}/c{number}", ae)

        deleted = time.monotonic()
        if _count(client, parent, ae) == 0:
            continue
        stale += 1
        while _count(client, parent, ae) != 0 and time.monotonic() - deleted < SETTLE_BOUND:
            time.sleep(0.001)
        longest = max(longest, time.monotonic() - deleted)
    return stale, longest


def _count(client: OneM2MClient, parent: str, originator: str) -> int:
    return client.retrieve(f"{parent}/group", originator)[1]["m2m:grp"]["cnm"]


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    for with_plugin in (False, True):
        with tempfile.TemporaryDirectory(prefix="acme-group-race-") as folder:
            cse = start(Path(folder) / "cse", with_plugin)
            try:
                client = OneM2MClient(f"http://127.0.0.1:{cse.port}")
                client.retrieve(client.cse_path, ADMIN)
                stale, longest = overtaken(client, rounds)
            finally:
                cse.close()
        name = "with the plugin" if with_plugin else "stock ACME     "
        print(
            f"{name}: {stale} of {rounds} RETRIEVEs still counted the deleted member "
            f"({100 * stale / rounds:.0f}%), corrected within {1000 * longest:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
