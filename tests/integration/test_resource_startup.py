"""The campaign resource between two CSEs (announcement) and the plugin's refusal to
start on a runtime directory or configuration it cannot work with.

Each test starts CSEs of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cse import ADMIN, CSEError, CSEProcess, wait_until
from resource_scene import CAMPAIGN_ANNC, make_scene

from acme_swc_plugin import layout, protocol

pytestmark = pytest.mark.integration

CSE_BASE_ANNC = 10005
ANNOUNCE_TIMEOUT = 10.0


# --- announcement -----------------------------------------------------------------------


def test_a_campaign_on_the_mn_is_announced_to_the_in(cse_factory) -> None:
    in_cse = cse_factory()
    mn_cse = cse_factory(cse_type="MN", registrar_port=in_cse.port)
    mn_cse.wait_registered(in_cse)
    scene = make_scene(mn_cse)
    body = scene.body(at=[in_cse.csi], aa=["swvr", "swnm"], lbl=["announced"])

    campaign = scene.create_ok(body)

    found = wait_until(lambda: announcements(in_cse), ANNOUNCE_TIMEOUT)
    assert len(found) == 1, found
    rsc, answer = in_cse.client.retrieve(f"/~{in_cse.csi}/{found[0]}", ADMIN)
    assert rsc == 2000, answer
    announced = answer["m2m:swcA"]
    assert announced["ty"] == CAMPAIGN_ANNC
    assert announced["lnk"] == f"{mn_cse.csi}/{campaign['ri']}"
    assert announced["lbl"] == ["announced"]
    assert (announced["swvr"], announced["swnm"]) == ("1.0", campaign["swnm"])
    assert "swur" not in announced and "swtg" not in announced
    assert campaign["at"] == [f"{in_cse.csi}/{announced['ri']}"]
    # ACME files announcements of the MN's CSEBase children below a <CSEBaseAnnc> that
    # stands for the MN's CSEBase on the IN, not below the MN's <remoteCSE>.
    rsc, parent = in_cse.client.retrieve(f"/~{in_cse.csi}/{announced['pi']}", ADMIN)
    assert rsc == 2000, parent
    assert parent["m2m:cbA"]["ty"] == CSE_BASE_ANNC
    mn_base = mn_cse.client.retrieve(mn_cse.cse_path, ADMIN)[1]["m2m:cb"]
    assert parent["m2m:cbA"]["lnk"] == f"{mn_cse.csi}/{mn_base['ri']}"

    assert scene.client.delete(scene.path(campaign["rn"]), scene.ae)[0] == 2002
    wait_until(lambda: not announcements(in_cse), ANNOUNCE_TIMEOUT)


def announcements(cse: CSEProcess) -> list[str]:
    """The announced campaigns that `cse` holds, found by discovery."""
    rsc, found = cse.client.discover(cse.cse_path, ADMIN, {"ty": CAMPAIGN_ANNC})
    assert rsc == 2000, found
    return found


# --- refusing to start ------------------------------------------------------------------


def refused_start(process: CSEProcess) -> str:
    """Start `process`, expect ACME to stop during start-up, and return its log tail."""
    with pytest.raises(CSEError) as refused:
        process.start(timeout=45)
    assert not process.running
    return str(refused.value)


@pytest.fixture
def stale_policies(monkeypatch):
    """Make `start()` lay out the directory and then spoil one of its policy files.

    `change(path)` is applied to the runtime `init/` copy of the `.ap` file right
    after the harness wrote it, as an upgrade that forgot `acme-swc init` would leave it.
    """

    def arrange(change):
        lay_out = layout.lay_out

        def lay_out_then_spoil(base_dir, **options):
            changes = lay_out(base_dir, **options)
            change(Path(base_dir) / layout.INIT_DIR / protocol.AP_FILE)
            return changes

        monkeypatch.setattr(layout, "lay_out", lay_out_then_spoil)

    return arrange


@pytest.mark.parametrize("spoil", ["outdated", "missing"])
def test_outdated_or_missing_policy_files_stop_the_start(
    cse_factory, stale_policies, spoil: str
) -> None:
    if spoil == "outdated":
        stale_policies(lambda path: path.write_text(path.read_text().replace("OA", "NA", 1)))
    else:
        stale_policies(lambda path: path.unlink())
    process = cse_factory(start=False)

    tail = refused_start(process)

    assert "acme-swc" in tail
    assert protocol.AP_FILE in tail
    assert "run `acme-swc init" in tail


def test_a_bad_setting_stops_the_start_naming_the_key(cse_factory) -> None:
    process = cse_factory(start=False, settings={"plugin.swc": {"targetTimeout": "abc"}})

    tail = refused_start(process)

    assert "acme-swc" in tail
    assert "targetTimeout" in tail
