"""Complete ACME's shutdown when a headless CSE is stopped with Ctrl-C (SIGINT).

In acmecse 2026.5.3 the headless console answers SIGINT by calling `CSE.shutdown()`,
which sets the CSE status to SHUTTINGDOWN; ACME's exit handler `CSE._shutdown()` then
skips its whole sequence, because it only runs from RUNNING. Plugins are not stopped
and the databases are not closed, so TinyDB can lose its last buffered writes (seen:
the last of five resources created just before a stop, in two stops of four). This
exit handler, registered after ACME's and therefore run before it, runs that sequence
when ACME would skip it; ACME's own handler then finds the CSE stopped and returns.
"""

from __future__ import annotations

import atexit

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.Types import CSEStatus
from acmecse.runtime import CSE

_registered = False


def _complete_shutdown() -> None:
    if RC.cseStatus == CSEStatus.SHUTTINGDOWN:
        RC.cseStatus = CSEStatus.RUNNING
        CSE._shutdown()


def complete_shutdown_on_exit() -> None:
    """Register the exit handler once per process."""
    global _registered
    if not _registered:
        atexit.register(_complete_shutdown)
        _registered = True
