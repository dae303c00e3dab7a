"""Rules of the real device agent that need no I/O: what a `[software]`'s URL names,
where its files go, and which archive members may be unpacked.

A package is fetched from the `[software]`'s `url` (HTTP or HTTPS). A fragment
`#sha256=<64 hex digits>` names the checksum the downloaded bytes must have; the
fragment is never sent to the server. The archive kind comes from the URL path's
ending: `.tar.gz`/`.tgz` or `.zip`. Files go to `<root>/<softwareName>/<version>/`,
where both names must be plain directory names, and an archive member may only land
inside that directory. Plain Python, no ACME import.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("http", "https")
ARCHIVE_KINDS = {".tar.gz": "tar", ".tgz": "tar", ".zip": "zip"}
CURRENT_LINK = "current"
"""The name of the link that points at a software's active version."""

_SHA256 = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


class PackageError(Exception):
    """A package cannot be fetched, checked, unpacked or placed; the message says why."""


@dataclass(frozen=True)
class PackageSource:
    """Where to download a package, the checksum it must have, and its archive kind."""

    url: str
    """The URL to request: the `[software]`'s `url` without its fragment."""
    sha256: str | None
    """The expected SHA-256 in lower-case hex, or None when the URL names none."""
    kind: str
    """`tar` (gzip-compressed tar) or `zip`."""


def parse_source(url: str) -> PackageSource:
    """Read a `[software]`'s `url`.

    Raises PackageError when the scheme is not HTTP(S), the host is missing, the
    fragment is something other than `sha256=<64 hex digits>`, or the path does not end
    in `.tar.gz`, `.tgz` or `.zip`.
    """
    parts = urlsplit(url.strip() if isinstance(url, str) else "")
    if parts.scheme.lower() not in SCHEMES or not parts.netloc:
        raise PackageError(f"url {url!r} is not an http:// or https:// URL with a host")

    sha256 = None
    if parts.fragment:
        if not (match := _SHA256.match(parts.fragment)):
            raise PackageError(
                f"url {url!r} has the fragment {parts.fragment!r}; the only fragment "
                "understood is sha256=<64 hex digits>"
            )
        sha256 = match.group(1).lower()

    kind = archive_kind(parts.path)
    if kind is None:
        endings = ", ".join(ARCHIVE_KINDS)
        raise PackageError(f"url {url!r} does not name an archive ending in {endings}")
    return PackageSource(urlunsplit(parts._replace(fragment="")), sha256, kind)


def archive_kind(path: str) -> str | None:
    """The archive kind (`tar` or `zip`) named by a URL path's ending, or None."""
    lowered = path.lower()
    return next((kind for end, kind in ARCHIVE_KINDS.items() if lowered.endswith(end)), None)


def check_component(value: object, what: str) -> str:
    """Return `value` when it can be one directory name; raise PackageError otherwise.

    Refused: a non-string or empty value, `.` and `..`, a name with `/`, `\\` or a NUL,
    a name starting with `.` (reserved for the agent's temporary directories), and the
    name of the active-version link.
    """
    text = value if isinstance(value, str) else ""
    if (
        not text
        or text in (".", "..")
        or text.startswith(".")
        or any(c in text for c in "/\\\0")
        or text == CURRENT_LINK
    ):
        raise PackageError(
            f"{what} {value!r} cannot be used as a directory name: it must be a non-empty "
            f"name without '/', '\\', a leading '.', and not {CURRENT_LINK!r}"
        )
    return text


def member_problem(name: str, link: str | None = None, hard_link: bool = False) -> str | None:
    """Say why an archive member must not be unpacked, or return None when it may be.

    `name` is the member's path inside the archive (`/`-separated); `link` is a
    symbolic link's target (relative to the member's folder) or, with `hard_link`, a
    hard link's target (relative to the archive's top). Refused: absolute paths (also
    Windows drive or backslash forms), paths that climb out of the top with `..`, and
    links whose target does, or is absolute.
    """
    if (problem := _path_problem(name)) is not None:
        return f"member {name!r} {problem}"
    if link is None:
        return None

    if _is_absolute(link):
        return f"link {name!r} points at the absolute path {link!r}"
    base = "" if hard_link else posixpath.dirname(_normal(name))
    if _climbs_out(posixpath.join(base, link.replace("\\", "/"))):
        return f"link {name!r} points at {link!r}, outside the package directory"
    return None


def _path_problem(name: str) -> str | None:
    if not name or "\0" in name:
        return "has an empty or unreadable name"
    if _is_absolute(name):
        return "has an absolute path"
    if _climbs_out(name.replace("\\", "/")):
        return "climbs out of the package directory with '..'"
    return None


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path) is not None


def _climbs_out(path: str) -> bool:
    depth = 0
    for part in PurePosixPath(path).parts:
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in (".", "/"):
            depth += 1
    return False


def _normal(name: str) -> str:
    return name.replace("\\", "/").rstrip("/")
