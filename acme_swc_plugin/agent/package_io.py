"""The real device agent's file work: download a package, unpack it, place it, remove it.

Layout under a packages directory `root`:

    root/<softwareName>/<version>/   the unpacked package of one version
    root/<softwareName>/current      a relative symbolic link to the active version

Every function either completes or raises PackageError with a message that says what
went wrong and leaves no partial version behind: a package is downloaded and unpacked
into hidden temporary entries (names starting with `.`) beside its target and renamed
into place only when complete. Callers serialise work on one `root/<softwareName>`
(see `RealAgent`); these functions take no locks. No ACME import.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import requests

from .package_rules import (
    CURRENT_LINK,
    PackageError,
    PackageSource,
    check_component,
    member_problem,
)

CHUNK = 16 * 1024


def install(
    source: PackageSource,
    root: Path,
    name: str,
    version: str,
    *,
    timeout: float,
    max_bytes: int,
    max_unpacked_bytes: int,
    cancelled: Callable[[], bool] = lambda: False,
) -> Path:
    """Download, check and unpack `source` into `root/name/version`; return that folder.

    An installed version is replaced as a whole. Raises PackageError for a bad name or
    version, an unreachable or failing download, a checksum mismatch, a download over
    `max_bytes`, an unreadable or unsafe archive, contents over `max_unpacked_bytes`,
    a disk error, or `cancelled()` turning true; nothing of this attempt stays then.
    """
    target = version_dir(root, name, version)
    folder = target.parent
    archive = staging = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, archive_name = tempfile.mkstemp(prefix=".download-", dir=folder)
        os.close(handle)
        archive = Path(archive_name)
        digest = download(source.url, archive, timeout, max_bytes, cancelled)
        if source.sha256 is not None and digest != source.sha256:
            raise PackageError(
                f"the download of {source.url} has SHA-256 {digest}, "
                f"but the URL asks for {source.sha256}"
            )

        staging = Path(tempfile.mkdtemp(prefix=f".partial-{version}-", dir=folder))
        unpack(archive, source.kind, staging, max_unpacked_bytes)
        _move_into_place(staging, target)
        staging = None
        return target
    except OSError as e:
        raise PackageError(f"cannot write the package into {folder}: {_reason(e)}") from None
    finally:
        _discard(archive, staging)
        _remove_if_empty(folder)


def uninstall(root: Path, name: str, version: str) -> bool:
    """Remove `root/name/version` (and the `current` link when it points there).

    Returns False when that version was not installed: there is nothing to do then.
    Raises PackageError for a bad name or version or a disk error.
    """
    target = version_dir(root, name, version)
    try:
        _unlink_current_if(target.parent, version)
        if not target.is_dir() or target.is_symlink():
            return False
        # Renamed first, so that no half-removed folder stays under the version's name.
        doomed = Path(tempfile.mkdtemp(prefix=f".removing-{version}-", dir=target.parent))
        target.rename(doomed / version)
        shutil.rmtree(doomed)
        return True
    except OSError as e:
        raise PackageError(f"cannot remove {target}: {_reason(e)}") from None
    finally:
        _remove_if_empty(target.parent)


def activate(root: Path, name: str, version: str) -> Path:
    """Point `root/name/current` at `version`; return the link.

    Raises PackageError when that version is not installed, when `current` exists and
    is not a link, or on a disk error.
    """
    target = version_dir(root, name, version)
    if not target.is_dir() or target.is_symlink():
        raise PackageError(f"{name} {version} is not installed in {target}; install it first")

    link = target.parent / CURRENT_LINK
    if link.exists() and not link.is_symlink():
        raise PackageError(f"{link} exists and is not a link; move it away to activate")
    temporary = target.parent / f".current-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.symlink(version, temporary)
        os.replace(temporary, link)
    except OSError as e:
        temporary.unlink(missing_ok=True)
        raise PackageError(f"cannot point {link} at {version}: {_reason(e)}") from None
    return link


def deactivate(root: Path, name: str, version: str) -> bool:
    """Remove `root/name/current` when it points at `version`.

    Returns False when that version was not the active one (nothing to do). Raises
    PackageError for a bad name or version or a disk error.
    """
    target = version_dir(root, name, version)
    try:
        return _unlink_current_if(target.parent, version)
    except OSError as e:
        raise PackageError(f"cannot remove {target.parent / CURRENT_LINK}: {_reason(e)}") from None


def version_dir(root: Path, name: str, version: str) -> Path:
    """`root/name/version`, after checking that both are plain directory names."""
    return Path(root) / check_component(name, "softwareName") / check_component(version, "version")


def download(
    url: str,
    destination: Path,
    timeout: float,
    max_bytes: int,
    cancelled: Callable[[], bool] = lambda: False,
) -> str:
    """Fetch `url` into `destination`; return the SHA-256 of the bytes, in hex.

    `timeout` bounds the connection, every wait for data and the whole transfer.
    Raises PackageError when the server cannot be reached, answers other than 200,
    announces or sends more than `max_bytes`, is too slow, or `cancelled()` turns true.
    """
    digest = hashlib.sha256()
    expired = threading.Event()
    try:
        with requests.get(url, stream=True, timeout=(timeout, timeout)) as response:
            # A server trickling bytes never trips the per-read timeout; closing the
            # response from a timer ends the transfer at the overall deadline.
            timer = threading.Timer(timeout, lambda: (expired.set(), response.close()))
            timer.daemon = True
            timer.start()
            try:
                _receive(response, url, destination, digest, max_bytes, cancelled)
            finally:
                timer.cancel()
    except PackageError:
        raise
    except Exception as e:
        if expired.is_set() or isinstance(e, requests.Timeout):
            raise PackageError(_too_slow(url, timeout)) from None
        if isinstance(e, requests.RequestException):
            raise PackageError(f"cannot download {url}: {_first_line(e)}") from None
        raise
    if expired.is_set():
        raise PackageError(_too_slow(url, timeout))
    return digest.hexdigest()


def _receive(response, url: str, destination: Path, digest, max_bytes: int, cancelled) -> None:
    if response.status_code != 200:
        raise PackageError(
            f"the download of {url} answered HTTP {response.status_code} "
            f"{response.reason}; check the URL and the package server"
        )
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise PackageError(_too_big(url, int(announced), max_bytes))

    received = 0
    with destination.open("wb") as output:
        for chunk in response.iter_content(CHUNK):
            received += len(chunk)
            if received > max_bytes:
                raise PackageError(_too_big(url, received, max_bytes))
            if cancelled():
                raise PackageError(f"the download of {url} was stopped with the agent")
            digest.update(chunk)
            output.write(chunk)


def unpack(archive: Path, kind: str, destination: Path, max_unpacked_bytes: int) -> None:
    """Unpack `archive` (`tar`: gzip-compressed tar, or `zip`) into `destination`.

    Every member is checked before anything is written (see `member_problem`); device
    files, FIFOs and, in zip archives, symbolic links are refused as well. Raises
    PackageError for an unreadable archive, an unsafe member, or contents over
    `max_unpacked_bytes`; whatever was written stays in `destination` for the caller
    to discard.
    """
    if kind == "tar":
        _unpack_tar(archive, destination, max_unpacked_bytes)
    elif kind == "zip":
        _unpack_zip(archive, destination, max_unpacked_bytes)
    else:
        raise PackageError(f"unknown archive kind {kind!r}")


def _unpack_tar(archive: Path, destination: Path, limit: int) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                if member.isdev() or member.isfifo():
                    raise PackageError(f"the archive holds the special file {member.name!r}")
                link = member.linkname if (member.issym() or member.islnk()) else None
                if problem := member_problem(member.name, link, hard_link=member.islnk()):
                    raise PackageError(f"unsafe archive: {problem}")
            _check_size(sum(m.size for m in members if m.isfile()), limit)
            tar.extractall(destination, members=members, filter="data")
    except tarfile.FilterError as e:
        raise PackageError(f"unsafe archive: {e}") from None
    except (tarfile.TarError, EOFError, zlib.error) as e:
        raise PackageError(f"the download is not a readable .tar.gz archive: {e}") from None


def _unpack_zip(archive: Path, destination: Path, limit: int) -> None:
    try:
        with zipfile.ZipFile(archive) as package:
            members = package.infolist()
            for member in members:
                if (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise PackageError(
                        f"the zip archive holds the symbolic link {member.filename!r}; "
                        "links are supported in .tar.gz packages only"
                    )
                if problem := member_problem(member.filename):
                    raise PackageError(f"unsafe archive: {problem}")
            _check_size(sum(m.file_size for m in members), limit)
            package.extractall(destination)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise PackageError(f"the download is not a readable .zip archive: {e}") from None


def _check_size(total: int, limit: int) -> None:
    if total > limit:
        raise PackageError(
            f"the archive unpacks to {total} bytes, more than agentMaxUnpackedBytes ({limit})"
        )


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`; an existing `target` is replaced as a whole."""
    if not target.exists() and not target.is_symlink():
        staging.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".replaced-{target.name}-", dir=target.parent))
    target.rename(old / target.name)
    try:
        staging.rename(target)
    except OSError:
        (old / target.name).rename(target)  # put the installed version back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _unlink_current_if(folder: Path, version: str) -> bool:
    link = folder / CURRENT_LINK
    if link.is_symlink() and os.readlink(link) == version:
        link.unlink()
        return True
    return False


def _discard(archive: Path | None, staging: Path | None) -> None:
    if archive is not None:
        archive.unlink(missing_ok=True)
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (other versions, the link) or already gone


def _too_big(url: str, size: int, limit: int) -> str:
    return f"the download of {url} is {size} bytes or more, over agentMaxDownloadBytes ({limit})"


def _too_slow(url: str, timeout: float) -> str:
    return f"the download of {url} did not finish within agentDownloadTimeout ({timeout:g} s)"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _first_line(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0]
