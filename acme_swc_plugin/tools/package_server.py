"""A demo software package and a small HTTP server on 127.0.0.1 that serves a folder.

`build_package()` writes a gzip-compressed tar with a few files and returns it with its
SHA-256; `PackageServer` serves the files of one folder (GET and HEAD only, 404 for
anything else) on a free loopback port, in a background thread, until closed.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Package:
    """A package file and the SHA-256 of its bytes (lower-case hex)."""

    path: Path
    sha256: str


def build_package(folder: Path, name: str, version: str) -> Package:
    """Write `<folder>/<name>-<version>.tar.gz` holding `VERSION` and `bin/<name>`.

    The archive is reproducible (fixed times and owners), so the same name and version
    always give the same checksum.
    """
    files = {
        "VERSION": f"{name} {version}\n",
        f"bin/{name}": f"#!/bin/sh\necho '{name} {version} says hello'\n",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for member_name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(member_name)
            member.size, member.mtime = len(data), 0
            member.mode = 0o755 if member_name.startswith("bin/") else 0o644
            tar.addfile(member, io.BytesIO(data))

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}.tar.gz"
    path.write_bytes(buffer.getvalue())
    return Package(path, hashlib.sha256(buffer.getvalue()).hexdigest())


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass  # the demo's screen is for the campaign, not for access logs


class PackageServer:
    """Serves the files in `folder` on `http://127.0.0.1:<free port>/` until `close()`."""

    def __init__(self, folder: Path) -> None:
        handler = partial(_QuietHandler, directory=str(folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name="swc-package-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, file_name: str, sha256: str | None = None) -> str:
        """The URL of a served file, with a `#sha256=` fragment when `sha256` is given."""
        fragment = f"#sha256={sha256}" if sha256 else ""
        return f"http://127.0.0.1:{self.port}/{file_name}{fragment}"

    def close(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> PackageServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
