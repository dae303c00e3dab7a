"""The device agent in real mode inside a real CSE: `[software]` flags download, check and
unpack packages served on 127.0.0.1, and every failure ends as `sus` 2 with a log line.

One IN-CSE with the agent (`agentMode=real`, packages in `<runtime dir>/packages/{node}`)
serves the module; each test creates its own `<node>` and `[software]` and sets flags
as the admin, as a campaign would.
"""

from __future__ import annotations

import io
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cse import ADMIN, CSEProcess, wait_until

from acme_swc_plugin.tools.package_server import Package, PackageServer, build_package

pytestmark = pytest.mark.integration

SUCCESSFUL, FAILURE = 1, 2
NODE, MGMTOBJ = 14, 13
WAIT = 20.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PackageServer, Path]]:
    folder = tmp_path_factory.mktemp("served")
    with PackageServer(folder) as server:
        yield server, folder


@pytest.fixture(scope="module")
def real_cse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    process = CSEProcess(
        tmp_path_factory.mktemp("cse-real-agent"),
        agent=True,
        settings={
            "plugin.swc": {
                "agentMode": "real",
                "agentPackagesDir": "packages/{node}",
                "agentDownloadTimeout": 5,
            }
        },
    )
    try:
        yield process.start()
    finally:
        process.stop()


class Device:
    """A `<node>` with one `[software]` on the CSE, and where its packages go."""

    def __init__(self, cse: CSEProcess, url: str, name: str = "app", version: str = "1.0"):
        self.cse = cse
        self.node = f"node-{uuid.uuid4().hex[:8]}"
        rsc, body = cse.client.create(
            cse.cse_path, NODE, {"m2m:nod": {"rn": self.node, "ni": self.node}}, ADMIN
        )
        assert rsc == 2001, body
        software = {"rn": "sw", "mgd": 1002, "vr": version, "swn": name, "url": url}
        rsc, body = cse.client.create(
            f"{cse.cse_path}/{self.node}", MGMTOBJ, {"m2m:swr": software}, ADMIN
        )
        assert rsc == 2001, body
        self.path = f"{cse.cse_path}/{self.node}/sw"
        self.software_dir = cse.base_dir / "packages" / self.node / name
        self.version_dir = self.software_dir / version

    def software(self) -> dict:
        rsc, body = self.cse.client.retrieve(self.path, ADMIN)
        assert rsc == 2000, body
        return body["m2m:swr"]

    def run(self, flag: str) -> int:
        """Set `flag`, wait until the agent cleared it, and return the reported `sus`."""
        rsc, body = self.cse.client.update(self.path, {"m2m:swr": {flag: True}}, ADMIN)
        assert rsc == 2004, body
        status = "ins" if flag in ("in", "un") else "acts"
        done = wait_until(
            lambda: (
                (s := self.software())[flag] is False
                and s[status]["sus"] in (SUCCESSFUL, FAILURE)
                and s
            ),
            WAIT,
            0.1,
        )
        return done[status]["sus"]


def leftovers(device: Device) -> list[Path]:
    folder = device.software_dir.parent
    return sorted(folder.rglob("*")) if folder.exists() else []


def package(served, name: str = "app", version: str = "1.0") -> tuple[str, Package]:
    server, folder = served
    built = build_package(folder, name, version)
    return server.url(built.path.name, built.sha256), built


def test_install_unpacks_the_package_and_reports_success(real_cse: CSEProcess, served) -> None:
    url, _ = package(served)
    device = Device(real_cse, url)

    assert device.run("in") == SUCCESSFUL
    assert (device.version_dir / "VERSION").read_text() == "app 1.0\n"
    assert f"installed app 1.0 into {device.version_dir}" in real_cse.log()


def test_a_checksum_mismatch_fails_with_a_log_line_and_leaves_nothing(
    real_cse: CSEProcess, served
) -> None:
    url, built = package(served)
    device = Device(real_cse, url.replace(built.sha256, "0" * 64))

    assert device.run("in") == FAILURE
    assert leftovers(device) == []
    assert_logged(real_cse, device, "install of app 1.0", "but the URL asks for " + "0" * 64)


def test_a_missing_package_fails_with_the_http_status(real_cse: CSEProcess, served) -> None:
    server, _ = served
    device = Device(real_cse, server.url("missing-1.0.tar.gz"))

    assert device.run("in") == FAILURE
    assert leftovers(device) == []
    assert_logged(real_cse, device, "answered HTTP 404")


def test_a_corrupt_archive_fails(real_cse: CSEProcess, served) -> None:
    server, folder = served
    (folder / "corrupt.tar.gz").write_bytes(b"\x1f\x8b garbage " * 50)
    device = Device(real_cse, server.url("corrupt.tar.gz"))

    assert device.run("in") == FAILURE
    assert leftovers(device) == []
    assert_logged(real_cse, device, "not a readable .tar.gz archive")


def test_a_path_traversal_attempt_fails_and_writes_nothing_outside(
    real_cse: CSEProcess, served
) -> None:
    server, folder = served
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member = tarfile.TarInfo("../../../../escaped.txt")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"bad"))
    (folder / "evil.tar.gz").write_bytes(buffer.getvalue())
    device = Device(real_cse, server.url("evil.tar.gz"))

    assert device.run("in") == FAILURE
    assert leftovers(device) == []
    assert not list(real_cse.base_dir.rglob("escaped.txt"))
    assert_logged(real_cse, device, "climbs out of the package directory")


def test_activate_deactivate_and_uninstall(real_cse: CSEProcess, served) -> None:
    url, _ = package(served, version="2.0")
    device = Device(real_cse, url, version="2.0")
    assert device.run("in") == SUCCESSFUL
    current = device.software_dir / "current"

    assert device.run("act") == SUCCESSFUL
    assert current.readlink() == Path("2.0")
    assert device.run("dea") == SUCCESSFUL
    assert not current.is_symlink()

    assert device.run("un") == SUCCESSFUL
    assert not device.version_dir.exists()
    assert leftovers(device) == []


def test_activating_what_is_not_installed_fails(real_cse: CSEProcess, served) -> None:
    url, _ = package(served)
    device = Device(real_cse, url)

    assert device.run("act") == FAILURE
    assert_logged(real_cse, device, "is not installed")


def assert_logged(cse: CSEProcess, device: Device, *fragments: str) -> None:
    """Exactly one WARNING line names the device's `[software]`, and it holds every fragment."""
    ri = device.software()["ri"]

    def warnings() -> list[str]:
        return [line for line in cse.log().splitlines() if "WARNING" in line and ri in line]

    wait_until(warnings, 5, 0.1)  # ACME writes its log file from a queue
    lines = warnings()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
