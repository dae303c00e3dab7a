"""`acme-swc purge DIR`: campaigns deleted through the CSE, then the plugin's files removed.

Why purge exists is tested too: campaigns left in a persistent database make any
discovery over the tree answer 5000 once the plugin's files are gone. With
ACME_SWC_TEST_DB=postgresql the `tinydb` CSEs here run on PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import pytest
from cse import ADMIN, CSEProcess
from fleet import campaign_body, create_campaign, make_nodes, register_ae

from acme_swc_plugin import layout, protocol, settings
from acme_swc_plugin.cli import child_environment

pytestmark = pytest.mark.integration

CAMPAIGN = int(protocol.load().campaign.code)
PLUGIN_FILES = ["plugins/swc.py", "plugins/swcagent.py"] + [
    f"init/{name}" for name in protocol.POLICY_FILES
]


def purge(cse: CSEProcess, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "acme_swc_plugin.cli", "purge", str(cse.base_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=child_environment(),
    )


def with_campaigns(cse: CSEProcess, count: int = 2) -> list[str]:
    """Create two `<node>`s and `count` campaigns on them; return the campaigns' paths."""
    ae = register_ae(cse)
    nodes = make_nodes(cse, 2, [ae])
    return [create_campaign(cse, ae, campaign_body(nodes)) for _ in range(count)]


def assert_clean(cse: CSEProcess) -> None:
    """The plugin's files and settings are gone; the user's acme.ini stays."""
    for name in PLUGIN_FILES:
        assert not (cse.base_dir / name).exists(), name
    text = (cse.base_dir / layout.ACME_INI).read_text(encoding="utf-8")
    assert not layout.has_section(text, settings.SECTION)
    assert f"httpPort={cse.port}" in text


def test_purging_a_stopped_cse_deletes_its_campaigns_and_it_starts_without_the_plugin(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    cse = cse_factory(db="tinydb", agent=True)
    campaigns = with_campaigns(cse)
    rsc, nodes = cse.client.discover(cse.cse_path, ADMIN, {"ty": 14})
    assert rsc == 2000 and len(nodes) == 2
    cse.stop()

    result = purge(cse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("deleted   campaign") == len(campaigns)
    assert "revoked" in result.stdout
    assert_clean(cse)
    cse.plugin = False
    cse.start()
    rsc, found = cse.client.discover(cse.cse_path, ADMIN)
    assert rsc == 2000
    names = {path.rsplit("/", 1)[-1] for path in campaigns}
    assert not [found_id for found_id in found if found_id.rsplit("/", 1)[-1] in names]
    assert cse.client.discover(cse.cse_path, ADMIN, {"ty": 14}) == (2000, nodes)
    cse.stop()

    again = purge(cse)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "holds no campaigns" in again.stdout
    assert "removed" not in again.stdout


def test_plugin_files_removed_by_hand_break_discovery_until_purge(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    cse = cse_factory(db="tinydb")
    with_campaigns(cse, count=1)
    cse.stop()
    layout.remove(cse.base_dir)
    cse.plugin = False

    cse.start()
    assert cse.client.discover(cse.cse_path, ADMIN)[0] == 5000
    blocked = purge(cse)
    assert blocked.returncode == 1
    assert "runs without the campaign plugin" in blocked.stdout
    cse.stop()

    result = purge(cse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(for the purge)" in result.stdout
    assert result.stdout.count("deleted   campaign") == 1
    assert_clean(cse)
    cse.start()
    assert cse.client.discover(cse.cse_path, ADMIN)[0] == 2000


def test_purging_a_running_cse_deletes_its_campaigns_through_it(
    cse_factory: Callable[..., CSEProcess],
) -> None:
    cse = cse_factory()
    campaigns = with_campaigns(cse)

    result = purge(cse)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "using the running CSE" in result.stdout
    assert result.stdout.count("deleted   campaign") == len(campaigns)
    assert cse.client.discover(cse.cse_path, ADMIN, {"ty": CAMPAIGN}) == (2000, [])
    assert_clean(cse)
    cse.plugin = False
    cse.restart()
    assert cse.client.discover(cse.cse_path, ADMIN)[0] == 2000


def test_purge_refuses_a_directory_without_acme_ini(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "acme_swc_plugin.cli", "purge", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_environment(),
    )
    assert result.returncode == 2
    assert "acme.ini" in result.stdout
