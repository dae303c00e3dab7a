"""`acme-swc init/run --db postgresql`: the database is made when missing and data is kept.

The tests that need a server run when ACME_SWC_TEST_DB=postgresql names one through
PGHOST, PGPORT and PGUSER (`eval "$(./scripts/postgres start)"`); the others check the
messages without a server.
"""

from __future__ import annotations

import os
import secrets
import signal
from pathlib import Path

import pytest
from cse import TEST_DB_VARIABLE, free_port
from onem2m import OneM2MClient
from test_cli import RunCommand, init

from acme_swc_plugin import postgres

pytestmark = pytest.mark.integration

needs_server = pytest.mark.skipif(
    os.environ.get(TEST_DB_VARIABLE) != "postgresql",
    reason=f"{TEST_DB_VARIABLE}=postgresql and PGHOST/PGPORT/PGUSER name a test server",
)


@pytest.fixture
def run_command():
    """Start `acme-swc run` with arguments; everything started is ended after the test."""
    started: list[RunCommand] = []

    def start(*args: str) -> RunCommand:
        started.append(RunCommand(*args))
        return started[-1]

    yield start
    for command in started:
        command.cleanup()


@pytest.fixture
def database():
    """A database name of this test's own on the test server, dropped afterwards."""
    server = postgres.Server(
        host=os.environ.get("PGHOST", postgres.DEFAULT_HOST),
        port=int(os.environ.get("PGPORT", postgres.DEFAULT_PORT)),
        user=os.environ.get("PGUSER") or None,
        password=os.environ.get("PGPASSWORD") or None,
        database=f"acme_swc_cli_{secrets.token_hex(4)}",
    )
    yield server
    postgres.drop_database(server)


def pg_options(server: postgres.Server) -> list[str]:
    options = ["--pg-host", server.host, "--pg-port", str(server.port)]
    options += ["--pg-database", server.database]
    return options + (["--pg-user", server.user] if server.user else [])


@needs_server
def test_init_creates_the_database_once(tmp_path: Path, database: postgres.Server) -> None:
    args = [str(tmp_path / "cse"), "--db", "postgresql", *pg_options(database)]

    first = init(*args)
    second = init(*args)

    assert f"created   database {database}" in first.stdout, first.stdout + first.stderr
    assert f"unchanged database {database}" in second.stdout, second.stdout
    text = (tmp_path / "cse" / "acme.ini").read_text(encoding="utf-8")
    assert "databaseType=postgresql" in text and f"database={database.database}" in text


@needs_server
def test_run_on_postgresql_keeps_the_resources(
    tmp_path: Path, database: postgres.Server, run_command
) -> None:
    port = free_port()
    args = ["--dir", str(tmp_path / "cse"), "--port", str(port), "--db", "postgresql"]
    first = run_command(*args, *pg_options(database))
    first.wait_for("CSE ready:")
    assert f"created   database {database}" in "".join(first.output)
    client = OneM2MClient(f"http://127.0.0.1:{port}")
    ae_id = client.register_ae("keeper")
    assert first.signal(signal.SIGINT) == 0, "".join(first.output)

    second = run_command("--dir", str(tmp_path / "cse"))
    second.wait_for("CSE ready:")
    rsc, body = client.retrieve("/~/id-in/cse-in/keeper", ae_id)

    assert rsc == 2000 and body["m2m:ae"]["aei"] == ae_id
    assert second.signal(signal.SIGINT) == 0, "".join(second.output)


def test_run_says_what_to_check_when_the_server_is_unreachable(tmp_path: Path, run_command) -> None:
    unused = str(free_port())
    args = ["--dir", str(tmp_path / "cse"), "--db", "postgresql", "--pg-port", unused]

    command = run_command(*args)
    status = command.process.wait(60)

    assert status == 1
    output = "".join(command.output)
    assert "cannot connect to postgresql://id-in@127.0.0.1:" + unused + "/id-in" in output
    assert "is the server running" in output


def test_run_refuses_pg_options_for_an_existing_acme_ini(tmp_path: Path, run_command) -> None:
    assert init(str(tmp_path / "cse")).returncode == 0

    command = run_command("--dir", str(tmp_path / "cse"), "--pg-host", "127.0.0.1")

    assert command.process.wait(60) == 2
    assert "[database.postgresql]" in "".join(command.output)
