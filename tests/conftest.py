"""Fixtures that start real ACME CSEs with the plugin on 127.0.0.1 (see `cse.py`).

`cse` is one IN-CSE for the whole session (memory database, Upper Tester on); tests
that need their own CSE, another database, settings or a second CSE use `cse_factory`.
Every CSE started here is stopped at the end of its scope, also when a test fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# The helpers beside this file (cse, onem2m) are imported by plain name in every
# import mode of pytest.
sys.path.insert(0, str(Path(__file__).parent))

from cse import CSEError, CSEProcess  # noqa: E402


@pytest.fixture(scope="session")
def cse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    """A running IN-CSE shared by the session: memory database, Upper Tester enabled."""
    process = CSEProcess(tmp_path_factory.mktemp("cse-in"), upper_tester=True)
    try:
        yield process.start()
    finally:
        process.close()


@pytest.fixture
def cse_factory(tmp_path: Path) -> Iterator[Callable[..., CSEProcess]]:
    """Start CSEs of the test's own: `cse_factory(**options)` returns a running CSE.

    Options are those of `CSEProcess`: `db`, `cse_type`, `registrar_port`,
    `upper_tester`, `settings`, `port`; `start=False` returns it unstarted. Each CSE
    gets its own directory under the test's `tmp_path` and is stopped after the test.
    """
    created: list[CSEProcess] = []

    def make(*, start: bool = True, **options) -> CSEProcess:
        process = CSEProcess(tmp_path / f"cse-{len(created) + 1}", **options)
        created.append(process)
        return process.start() if start else process

    try:
        yield make
    finally:
        # Stop the later ones first: an MN-CSE goes before the IN-CSE it registered to.
        # close() kills a CSE that hangs; the first such failure is reported after all.
        failures: list[CSEError] = []
        for process in reversed(created):
            try:
                process.close()
            except CSEError as failure:
                failures.append(failure)
        if failures:
            raise failures[0]
