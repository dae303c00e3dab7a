"""Make ACME's TinyDB files survive a crash: each write replaces the file in one step.

ACME's file database (`helpers/TinyDBBufferedStorage`) writes through TinyDB's
`JSONStorage.write`: seek to the start, write the whole JSON text, fsync, truncate. A
process killed (SIGKILL, power loss) after the write but before the truncate leaves the
new JSON followed by the tail of the old, longer one, and ACME then refuses to start
("Error during startup: Extra data"); killed during the write, it leaves a mix of both.
Seen in acmecse 2026.5.3 with a Hosting CSE killed during a campaign.

Here the same JSON text is written to a temporary file beside the database file,
fsynced and renamed over it (`os.replace` is atomic on POSIX), so the file on disk is
always a complete old or a complete new state. What ACME had not yet written when the
process died (up to `[database.tinydb] writeDelay` seconds of changes) is still lost;
the campaign engine reconciles its targets after a restart for that reason.

Only instances of ACME's buffered storage are changed; other TinyDB users in the
process keep TinyDB's own write. When the temporary file cannot be written (no space,
no permission), the error is logged and TinyDB's own write is used for that write, so
that ACME's writer thread never dies of it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from acmecse.helpers.TinyDBBufferedStorage import TinyDBBufferedStorage
from acmecse.runtime.Logging import Logging as L
from tinydb.storages import JSONStorage

_installed = False


def _replace_file(storage: Any, data: dict) -> None:
    """Write `data` as the storage's whole file: temporary file, fsync, rename."""
    handle = storage._handle
    path = handle.name
    temporary = f"{path}.swc-tmp"
    with open(temporary, "w", encoding=handle.encoding) as out:
        out.write(json.dumps(data, **storage.kwargs))
        out.flush()
        os.fsync(out.fileno())
    shutil.copymode(path, temporary)
    os.replace(temporary, path)
    _sync_directory(os.path.dirname(path) or ".")

    # The old handle points at the replaced file; ACME flushes and closes this one.
    storage._handle = open(path, mode=storage._mode, encoding=handle.encoding)
    handle.close()


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (the directory entry), where the OS allows it."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def write_tinydb_files_atomically() -> None:
    """Route the writes of ACME's buffered TinyDB storage through `_replace_file`; once."""
    global _installed
    if _installed:
        return
    tinydb_write = JSONStorage.write

    def write(self: Any, data: dict) -> None:
        if not isinstance(self, TinyDBBufferedStorage):
            return tinydb_write(self, data)
        try:
            _replace_file(self, data)
        except OSError as e:
            L.logErr(f"acme-swc: {self._handle.name} written in place, not replaced: {e}")
            tinydb_write(self, data)

    JSONStorage.write = write
    _installed = True
