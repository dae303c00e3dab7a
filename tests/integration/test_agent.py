"""The device agent in a real CSE: a `[software]` under a `<node>` moves when its flags are set.

One IN-CSE with the campaign plugin and the agent serves the module; each test creates
its own `<node>` (with the simulator's labels) and `[software]`, and sets a flag as the
admin, as a campaign would.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cse import ADMIN, CSEProcess, wait_until

from acme_swc_plugin import layout

pytestmark = pytest.mark.integration

DELAY = 0.5
"""The agent's default delay in these tests (`agentDelay`), seconds."""

WAIT = 15.0
"""Upper bound for any status change the tests wait for, seconds."""

SUCCESSFUL, FAILURE, IN_PROCESS = 1, 2, 3
NODE, MGMTOBJ, SUBSCRIPTION = 14, 13, 23


@pytest.fixture(scope="module")
def agent_cse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    """An IN-CSE with both plugins; the agent's delay is `DELAY`, nothing fails at random."""
    process = CSEProcess(
        tmp_path_factory.mktemp("cse-agent"),
        settings={"plugin.swc": {"agentDelay": DELAY, "agentSeed": 7}},
        upper_tester=True,
    )
    _lay_out_with_agent(process)
    try:
        yield process.start()
    finally:
        process.stop()


def _lay_out_with_agent(process: CSEProcess) -> None:
    """Add the agent's plugin module; `start()` lays out the rest and keeps this one."""
    layout.lay_out(
        process.base_dir,
        port=process.port,
        db=process.db,
        cse_type=process.cse_type,
        upper_tester=process.upper_tester,
        extra=process.settings,
        agent=True,
    )


def make_software(cse: CSEProcess, labels: list[str] | None = None) -> str:
    """Create a `<node>` with `labels` and a `[software]` under it; return the latter's path."""
    name = f"node-{uuid.uuid4().hex[:8]}"
    node = {"m2m:nod": {"rn": name, "ni": name, **({"lbl": labels} if labels else {})}}
    rsc, body = cse.client.create(cse.cse_path, NODE, node, ADMIN)
    assert rsc == 2001, body

    software = {
        "m2m:swr": {
            "rn": "app",
            "mgd": 1002,
            "vr": "1.0",
            "swn": "app",
            "url": "http://127.0.0.1/x.tgz",
        }
    }
    path = f"{cse.cse_path}/{name}"
    rsc, body = cse.client.create(path, MGMTOBJ, software, ADMIN)
    assert rsc == 2001, body
    return f"{path}/app"


def software(cse: CSEProcess, path: str) -> dict:
    rsc, body = cse.client.retrieve(path, ADMIN)
    assert rsc == 2000, body
    return body["m2m:swr"]


def set_flag(cse: CSEProcess, path: str, flag: str) -> None:
    rsc, body = cse.client.update(path, {"m2m:swr": {flag: True}}, ADMIN)
    assert rsc == 2004, body


def wait_for_result(cse: CSEProcess, path: str, status: str) -> dict:
    """Wait until `status` (`ins` or `acts`) is successful or failed; return the resource."""

    def finished() -> dict | None:
        current = software(cse, path)
        return current if current[status]["sus"] in (SUCCESSFUL, FAILURE) else None

    return wait_until(finished, WAIT, interval=0.1)


def test_install_succeeds_and_clears_the_flag(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse)

    set_flag(agent_cse, path, "in")
    result = wait_for_result(agent_cse, path, "ins")

    assert result["ins"]["sus"] == SUCCESSFUL
    assert result["ins"]["acn"]
    assert result["in"] is False
    assert result["acts"]["sus"] == 0


def test_install_is_in_process_before_it_ends(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:delay=2"])

    set_flag(agent_cse, path, "in")

    first_report = wait_until(lambda: software(agent_cse, path)["ins"]["sus"], WAIT, 0.05)

    assert first_report == IN_PROCESS
    assert software(agent_cse, path)["in"] is True
    assert wait_for_result(agent_cse, path, "ins")["ins"]["sus"] == SUCCESSFUL


def test_fail_label_makes_the_install_fail(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:fail"])

    set_flag(agent_cse, path, "in")
    result = wait_for_result(agent_cse, path, "ins")

    assert result["ins"]["sus"] == FAILURE
    assert result["in"] is False


def test_delay_label_sets_how_long_an_install_takes(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:delay=2"])

    began = time.monotonic()
    set_flag(agent_cse, path, "in")
    result = wait_for_result(agent_cse, path, "ins")

    assert time.monotonic() - began >= 2.0
    assert result["ins"]["sus"] == SUCCESSFUL


def test_silent_label_leaves_the_software_untouched(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:silent"])

    set_flag(agent_cse, path, "in")
    deadline = time.monotonic() + 4 * DELAY + 1.0
    while time.monotonic() < deadline:
        current = software(agent_cse, path)
        assert current["ins"]["sus"] == 0
        assert current["in"] is True
        time.sleep(0.2)


def test_activate_and_deactivate_report_through_acts(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse)

    set_flag(agent_cse, path, "act")
    result = wait_for_result(agent_cse, path, "acts")
    assert (result["acts"]["sus"], result["act"], result["ins"]["sus"]) == (SUCCESSFUL, False, 0)

    set_flag(agent_cse, path, "dea")
    wait_until(lambda: software(agent_cse, path)["dea"] is False, WAIT, 0.1)
    assert software(agent_cse, path)["acts"]["sus"] == SUCCESSFUL


def test_flags_set_together_are_carried_out_one_after_the_other(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse)

    rsc, body = agent_cse.client.update(path, {"m2m:swr": {"in": True, "act": True}}, ADMIN)
    assert rsc == 2004, body

    wait_until(lambda: software(agent_cse, path)["act"] is False, WAIT, 0.1)
    result = software(agent_cse, path)
    assert (result["ins"]["sus"], result["acts"]["sus"], result["in"]) == (1, 1, False)


def test_malformed_label_warns_once_and_uses_the_defaults(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:delay=soon"])

    set_flag(agent_cse, path, "in")
    assert wait_for_result(agent_cse, path, "ins")["ins"]["sus"] == SUCCESSFUL
    set_flag(agent_cse, path, "un")
    wait_until(lambda: software(agent_cse, path)["un"] is False, WAIT, 0.1)

    assert agent_cse.log().count("swcsim:delay=soon") == 1


def test_deleted_software_ends_quietly(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:delay=1"])
    set_flag(agent_cse, path, "in")
    wait_until(lambda: software(agent_cse, path)["ins"]["sus"] == IN_PROCESS, WAIT, 0.05)

    log_before = len(agent_cse.log())

    rsc, body = agent_cse.client.delete(path, ADMIN)
    assert rsc == 2002, body
    time.sleep(1.5)

    rsc, _ = agent_cse.client.retrieve(path, ADMIN)
    assert rsc == 4004
    assert _errors_and_warnings(agent_cse.log()[log_before:]) == []


def test_subscriber_to_ins_is_notified_of_each_step(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse)
    with NotificationReceiver() as receiver:
        subscription = {
            "m2m:sub": {
                "rn": "watch",
                "nu": [receiver.url],
                "enc": {"net": [1], "atr": ["ins", "acts"]},
            }
        }
        rsc, body = agent_cse.client.create(path, SUBSCRIPTION, subscription, ADMIN)
        assert rsc == 2001, body

        set_flag(agent_cse, path, "in")
        wait_until(lambda: SUCCESSFUL in receiver.install_statuses(), WAIT, 0.1)

    assert receiver.install_statuses() == [IN_PROCESS, SUCCESSFUL]


@pytest.mark.parametrize(
    ("label", "answers"),
    [("swcsim:twice", [SUCCESSFUL, SUCCESSFUL]), ("swcsim:flaky", [FAILURE, SUCCESSFUL])],
)
def test_a_device_that_answers_twice_reports_both_answers(
    agent_cse: CSEProcess, label: str, answers: list[int]
) -> None:
    path = make_software(agent_cse, [label, "swcsim:delay=1"])
    with NotificationReceiver() as receiver:
        subscription = {"m2m:sub": {"nu": [receiver.url], "enc": {"net": [1], "atr": ["ins"]}}}
        rsc, body = agent_cse.client.create(path, SUBSCRIPTION, subscription, ADMIN)
        assert rsc == 2001, body

        began = time.monotonic()
        set_flag(agent_cse, path, "in")
        wait_until(lambda: len(receiver.install_statuses()) >= 3, WAIT, 0.1)
        assert time.monotonic() - began >= 2.0  # the second answer comes one delay later
        time.sleep(1.5)

    assert receiver.install_statuses() == [IN_PROCESS, *answers]
    final = software(agent_cse, path)
    assert (final["ins"]["sus"], final["in"]) == (answers[-1], False)


def test_the_second_answer_leaves_a_flag_set_meanwhile(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:twice", "swcsim:delay=1.5"])
    set_flag(agent_cse, path, "in")
    wait_until(lambda: software(agent_cse, path)["ins"]["sus"] == SUCCESSFUL, WAIT, 0.05)

    set_flag(agent_cse, path, "un")  # before the repeated install answer is due

    wait_until(lambda: software(agent_cse, path)["un"] is False, WAIT, 0.1)
    assert software(agent_cse, path)["ins"] == {"acn": "uninstall", "sus": SUCCESSFUL}


def test_agent_plugin_module_is_laid_out(agent_cse: CSEProcess) -> None:
    module = Path(agent_cse.base_dir, "plugins", "swcagent.py").read_text()
    assert "from acme_swc_plugin.agent.plugin import DeviceAgentPlugin" in module
    assert "simulated devices enabled" in agent_cse.log()


def test_agent_works_after_a_cse_reset(agent_cse: CSEProcess) -> None:
    path = make_software(agent_cse, ["swcsim:delay=5"])
    set_flag(agent_cse, path, "in")

    agent_cse.reset()

    path = make_software(agent_cse)
    set_flag(agent_cse, path, "in")
    assert wait_for_result(agent_cse, path, "ins")["ins"]["sus"] == SUCCESSFUL


def test_operation_in_process_is_carried_out_after_a_restart(cse_factory) -> None:
    cse = cse_factory(start=False, db="tinydb", settings={"plugin.swc": {"agentDelay": DELAY}})
    _lay_out_with_agent(cse)
    cse.start()
    path = make_software(cse, ["swcsim:delay=8"])
    set_flag(cse, path, "in")
    wait_until(lambda: software(cse, path)["ins"]["sus"] == IN_PROCESS, WAIT, 0.05)
    # ACME's TinyDB file writer runs in its own thread and was seen to miss a write made
    # while it was writing the previous one; a later write of anything carries it along.
    make_software(cse)
    time.sleep(1.0)

    cse.restart()
    restarted = time.monotonic()

    assert software(cse, path)["ins"]["sus"] == IN_PROCESS
    result = wait_for_result(cse, path, "ins")
    assert time.monotonic() - restarted >= 5  # taken up again, from the beginning
    assert (result["ins"]["sus"], result["in"]) == (SUCCESSFUL, False)


def _errors_and_warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]


class NotificationReceiver:
    """An HTTP notification target on 127.0.0.1 that answers every NOTIFY with 2000.

    Keeps the `m2m:sgn` bodies that are not verification requests.
    """

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        received = self.notifications

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                signal = body.get("m2m:sgn", {})
                if not signal.get("vrq"):
                    received.append(signal)
                self.send_response(200)
                self.send_header("X-M2M-RSC", "2000")
                self.send_header("X-M2M-RI", self.headers.get("X-M2M-RI", ""))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def install_statuses(self) -> list[int]:
        """The `ins.sus` values notified so far, in order."""
        found = []
        for signal in list(self.notifications):
            representation = signal.get("nev", {}).get("rep", {}).get("m2m:swr", {})
            if "ins" in representation:
                found.append(representation["ins"]["sus"])
        return found

    def __enter__(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
