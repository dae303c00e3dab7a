"""What a clean stop must keep: everything written before it, with TinyDB.

ACME 2026.5.3 skips its own shutdown sequence when a headless CSE gets SIGINT, so the
last buffered TinyDB writes could be lost; the plugin completes that sequence
(`seam/shutdown.py`). Campaign restarts rely on it.
"""

from __future__ import annotations

from fleet import ADMIN, unique


def test_resources_created_just_before_a_clean_stop_survive_it(cse_factory) -> None:
    cse = cse_factory(db="tinydb")
    for _ in range(3):
        names = [unique("kept") for _ in range(5)]
        for name in names:
            rsc, _ = cse.client.create(cse.cse_path, 3, {"m2m:cnt": {"rn": name}}, ADMIN)
            assert rsc == 2001

        assert cse.stop() == 0
        cse.start()

        missing = [n for n in names if cse.client.retrieve(f"{cse.cse_path}/{n}", ADMIN)[0] != 2000]
        assert missing == []


def test_a_clean_stop_runs_the_plugins_shutdown(cse_factory) -> None:
    cse = cse_factory()

    cse.stop()

    assert "CSE shut down complete" in cse.log()
