"""The real agent's file work against a package server on 127.0.0.1: download, checksum,
unpack, refusals of unsafe archives, and what stays on disk after every outcome.
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from acme_swc_plugin.agent import package_io
from acme_swc_plugin.agent.package_rules import PackageError, parse_source
from acme_swc_plugin.tools.package_server import PackageServer, build_package

LIMITS = {"timeout": 5.0, "max_bytes": 1_000_000, "max_unpacked_bytes": 1_000_000}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[PackageServer, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()
    with PackageServer(folder) as server:
        yield server, folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "packages"


def install(url: str, root: Path, name: str = "app", version: str = "1.0", **limits) -> Path:
    return package_io.install(parse_source(url), root, name, version, **{**LIMITS, **limits})


def leftovers(root: Path) -> list[str]:
    """Every entry below `root`, as relative paths."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def tar_with(*members: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member in members:
            data = b"x" * member.size
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return buffer.getvalue()


def file_member(name: str, size: int = 1) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = size
    return member


def link_member(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = kind, target
    return member


def test_install_with_a_matching_checksum_unpacks_the_version(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")

    path = install(server.url(package.path.name, package.sha256), root)

    assert path == root / "app" / "1.0"
    assert (path / "VERSION").read_text() == "app 1.0\n"
    assert leftovers(root) == [
        "app",
        "app/1.0",
        "app/1.0/VERSION",
        "app/1.0/bin",
        "app/1.0/bin/app",
    ]


def test_install_without_a_checksum_is_accepted(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")

    assert (install(server.url(package.path.name), root) / "bin" / "app").exists()


def test_a_second_install_replaces_the_version_as_a_whole(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")
    path = install(server.url(package.path.name), root)
    (path / "stale").write_text("from before")

    install(server.url(package.path.name), root)

    assert not (path / "stale").exists()
    assert leftovers(root)[:2] == ["app", "app/1.0"]
    assert not [p for p in leftovers(root) if "/." in p or p.startswith(".")]


def test_a_checksum_mismatch_fails_and_leaves_nothing(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")

    with pytest.raises(PackageError, match="has SHA-256 .* but the URL asks for"):
        install(server.url(package.path.name, "0" * 64), root)
    assert leftovers(root) == []


def test_a_missing_file_fails_with_the_http_status(served, root: Path) -> None:
    server, _ = served

    with pytest.raises(PackageError, match="answered HTTP 404"):
        install(server.url("nothing-1.0.tar.gz"), root)
    assert leftovers(root) == []


def test_an_unreachable_server_fails_saying_so(root: Path) -> None:
    with pytest.raises(PackageError, match="cannot download http://127.0.0.1:9/app.tar.gz"):
        install("http://127.0.0.1:9/app.tar.gz", root)
    assert leftovers(root) == []


def test_a_download_over_the_size_cap_fails(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")

    with pytest.raises(PackageError, match="over agentMaxDownloadBytes"):
        install(server.url(package.path.name), root, max_bytes=10)
    assert leftovers(root) == []


def test_contents_over_the_unpacked_cap_fail(served, root: Path) -> None:
    server, folder = served
    (folder / "big.tar.gz").write_bytes(tar_with(file_member("zeros", 50_000)))

    with pytest.raises(PackageError, match="more than agentMaxUnpackedBytes"):
        install(server.url("big.tar.gz"), root, max_unpacked_bytes=1000)
    assert leftovers(root) == []


def test_a_slow_download_fails_after_the_timeout(root: Path) -> None:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slow.tar.gz"
        began = time.monotonic()
        with pytest.raises(PackageError, match="did not finish within agentDownloadTimeout"):
            install(url, root, timeout=0.5)
        assert time.monotonic() - began < 3
    finally:
        server.shutdown()
        server.server_close()
    assert leftovers(root) == []


def test_a_cancelled_download_stops(served, root: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")

    with pytest.raises(PackageError, match="stopped with the agent"):
        install(server.url(package.path.name), root, cancelled=lambda: True)
    assert leftovers(root) == []


@pytest.mark.parametrize("file_name", ["corrupt.tar.gz", "corrupt.zip"])
def test_a_corrupt_archive_fails_and_leaves_nothing(served, root: Path, file_name: str) -> None:
    server, folder = served
    (folder / file_name).write_bytes(b"this is not an archive at all" * 10)

    with pytest.raises(PackageError, match="is not a readable"):
        install(server.url(file_name), root)
    assert leftovers(root) == []


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (file_member("../escape"), "climbs out"),
        (file_member("ok/../../escape"), "climbs out"),
        (file_member("/tmp/escape"), "absolute path"),
        (link_member("link", "../../outside"), "outside the package directory"),
        (link_member("link", "/etc/passwd"), "absolute path"),
        (link_member("hard", "../outside", tarfile.LNKTYPE), "outside the package directory"),
    ],
)
def test_unsafe_tar_members_are_refused(served, root: Path, member, message: str) -> None:
    server, folder = served
    (folder / "evil.tar.gz").write_bytes(tar_with(file_member("fine.txt"), member))

    with pytest.raises(PackageError, match=message):
        install(server.url("evil.tar.gz"), root)
    assert leftovers(root) == []
    assert not (root.parent / "escape").exists() and not (root.parent / "outside").exists()


def test_a_zip_package_is_unpacked(served, root: Path) -> None:
    server, folder = served
    with zipfile.ZipFile(folder / "app.zip", "w") as archive:
        archive.writestr("bin/app", "run")

    assert (install(server.url("app.zip"), root) / "bin" / "app").read_text() == "run"


@pytest.mark.parametrize(
    ("member", "message"), [("../escape", "climbs out"), ("/abs", "absolute path")]
)
def test_unsafe_zip_members_are_refused(served, root: Path, member: str, message: str) -> None:
    server, folder = served
    with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
        archive.writestr("fine.txt", "ok")
        archive.writestr(zipfile.ZipInfo(member), "bad")

    with pytest.raises(PackageError, match=message):
        install(server.url("evil.zip"), root)
    assert leftovers(root) == []


def test_symbolic_links_in_zip_packages_are_refused(served, root: Path) -> None:
    server, folder = served
    link = zipfile.ZipInfo("link")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(folder / "links.zip", "w") as archive:
        archive.writestr(link, "/etc/passwd")

    with pytest.raises(PackageError, match="symbolic link"):
        install(server.url("links.zip"), root)


def test_unusable_names_are_refused_before_any_download(root: Path) -> None:
    with pytest.raises(PackageError, match="version '../x' cannot be used"):
        install("http://127.0.0.1:9/app.tar.gz", root, version="../x")
    assert not root.exists()


def test_a_disk_error_fails_cleanly(served, tmp_path: Path) -> None:
    server, folder = served
    package = build_package(folder, "app", "1.0")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("a file where the packages folder should be")

    with pytest.raises(PackageError, match="cannot write the package into"):
        install(server.url(package.path.name), blocked)


def test_activate_points_current_at_the_version_and_deactivate_removes_it(
    served, root: Path
) -> None:
    server, folder = served
    install(server.url(build_package(folder, "app", "1.0").path.name), root)
    install(server.url(build_package(folder, "app", "2.0").path.name), root, version="2.0")

    link = package_io.activate(root, "app", "1.0")
    assert (link.readlink(), (link / "VERSION").read_text()) == (Path("1.0"), "app 1.0\n")
    package_io.activate(root, "app", "2.0")
    assert link.readlink() == Path("2.0")

    assert package_io.deactivate(root, "app", "1.0") is False  # not the active one
    assert package_io.deactivate(root, "app", "2.0") is True
    assert not link.is_symlink()


def test_activating_a_version_that_is_not_installed_fails(root: Path) -> None:
    with pytest.raises(PackageError, match="app 3.0 is not installed .* install it first"):
        package_io.activate(root, "app", "3.0")


def test_uninstall_removes_the_version_its_link_and_the_empty_folder(served, root: Path) -> None:
    server, folder = served
    install(server.url(build_package(folder, "app", "1.0").path.name), root)
    package_io.activate(root, "app", "1.0")

    assert package_io.uninstall(root, "app", "1.0") is True
    assert leftovers(root) == []
    assert package_io.uninstall(root, "app", "1.0") is False  # nothing left to do


def test_uninstall_keeps_other_versions(served, root: Path) -> None:
    server, folder = served
    install(server.url(build_package(folder, "app", "1.0").path.name), root)
    install(server.url(build_package(folder, "app", "2.0").path.name), root, version="2.0")
    package_io.activate(root, "app", "2.0")

    package_io.uninstall(root, "app", "1.0")

    assert leftovers(root)[:3] == ["app", "app/2.0", "app/2.0/VERSION"]
    assert (root / "app" / "current").readlink() == Path("2.0")
