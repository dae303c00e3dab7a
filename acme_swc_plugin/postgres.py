"""Where a CSE's PostgreSQL database is, and making sure it exists before ACME starts.

ACME's PostgreSQL binding (`databaseType=postgresql`) connects with the `host`, `port`,
`role`, `password` and `database` of the `[database.postgresql]` section of `acme.ini`
and creates its `schema` and tables itself, but the role and the database must exist:
ACME stops during start-up if either is missing. `ensure_database()` creates a missing
database when the role may (CREATEDB), and otherwise says which command an
administrator has to run. Creating roles is left to the administrator.

ACME's defaults apply to whatever `acme.ini` leaves out: host `localhost`, port 5432,
database and role named after the CSE-ID, schema `acmecse`, and the password from the
environment variable `ACME_DATABASE_POSTGRESQL_PASSWORD`. psycopg2 comes with ACME.
"""

from __future__ import annotations

import configparser
import os
from dataclasses import dataclass
from pathlib import Path

SECTION = "database.postgresql"
PASSWORD_VARIABLE = "ACME_DATABASE_POSTGRESQL_PASSWORD"
"""ACME's own environment variable for the password; its defaults refer to it."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5432


class DatabaseError(RuntimeError):
    """The server cannot be reached or the database cannot be made; says what to do."""


@dataclass(frozen=True)
class Server:
    """One PostgreSQL database as ACME connects to it (`user` is ACME's `role`)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    user: str | None = None
    password: str | None = None
    database: str = "acmecse"
    schema: str = "acmecse"

    def __str__(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"postgresql://{who}{self.host}:{self.port}/{self.database}"

    def ini_options(self) -> dict[str, object]:
        """The `[database.postgresql]` options for ACME; the password stays out of the file.

        ACME then reads the password from `ACME_DATABASE_POSTGRESQL_PASSWORD`.
        """
        options: dict[str, object] = {"host": self.host, "port": self.port}
        if self.user:
            options["role"] = self.user
        options["database"] = self.database
        options["schema"] = self.schema
        return options

    def with_database(self, database: str) -> Server:
        return Server(self.host, self.port, self.user, self.password, database, self.schema)

    def connect(self, database: str | None = None):
        """A psycopg2 connection in autocommit mode to `database` (default: ours)."""
        import psycopg2

        connection = psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user or None,
            password=self.password or None,
            dbname=database or self.database,
            connect_timeout=10,
        )
        connection.autocommit = True
        return connection


def from_ini(path: Path) -> Server:
    """The database a CSE with the `acme.ini` at `path` uses, with ACME's defaults."""
    parser = configparser.ConfigParser(interpolation=configparser.ExtendedInterpolation())
    environment = {key: value.replace("$", "$$") for key, value in os.environ.items()}
    environment.setdefault(PASSWORD_VARIABLE, "")
    parser.read_dict(
        {
            "DEFAULT": environment,
            "basic.config": {"cseID": "id-in"},
            SECTION: {
                "host": "localhost",
                "port": str(DEFAULT_PORT),
                "database": "${basic.config:cseID}",
                "role": "${basic.config:cseID}",
                "schema": "acmecse",
                "password": f"${{{PASSWORD_VARIABLE}}}",
            },
        }
    )
    parser.read(path, encoding="utf-8")
    section = parser[SECTION]
    return Server(
        host=section.get("host"),
        port=section.getint("port"),
        user=section.get("role") or None,
        password=section.get("password") or None,
        database=section.get("database"),
        schema=section.get("schema"),
    )


def database_type(path: Path) -> str:
    """The `databaseType` that the `acme.ini` at `path` sets (ACME's default: tinydb)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    kind = parser.get("basic.config", "databaseType", fallback=None)
    if kind is None or kind.startswith("$"):
        kind = parser.get("database", "type", fallback="tinydb")
    return kind.strip().lower()


def ensure_database(server: Server) -> bool:
    """Make sure `server.database` exists; return True if it had to be created.

    Raises `DatabaseError` with the administrator's command when the server cannot be
    reached, the role cannot log in, or the database is missing and may not be created.
    """
    import psycopg2

    try:
        server.connect().close()
        return False
    except psycopg2.OperationalError as error:
        if f'database "{server.database}" does not exist' not in str(error):
            raise DatabaseError(_unreachable(server, error)) from None

    try:
        create_database(server)
    except psycopg2.Error as error:
        owner = f" -O {server.user}" if server.user else ""
        raise DatabaseError(
            f"database {server.database!r} does not exist on {server.host}:{server.port} "
            f"and could not be created ({_first_line(error)}); as PostgreSQL's superuser run: "
            f"createdb -h {server.host} -p {server.port}{owner} {server.database}"
        ) from None
    return True


def create_database(server: Server) -> None:
    """CREATE DATABASE `server.database`, connected to the `postgres` maintenance database."""
    from psycopg2 import sql

    _execute_maintenance(server, sql.SQL("CREATE DATABASE {}"))


def drop_database(server: Server) -> None:
    """DROP DATABASE `server.database` if it exists, ending any session still open on it."""
    from psycopg2 import sql

    _execute_maintenance(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"))


def _execute_maintenance(server: Server, statement) -> None:
    """Run `statement` (with the database's name for `{}`) outside any transaction.

    psycopg2's `with connection:` would open one even in autocommit mode, and CREATE
    or DROP DATABASE refuse to run inside a transaction.
    """
    from psycopg2 import sql

    connection = server.connect("postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement.format(sql.Identifier(server.database)))
    finally:
        connection.close()


def _unreachable(server: Server, error: Exception) -> str:
    if f'role "{server.user}" does not exist' in str(error):
        hint = (
            f"create the role as PostgreSQL's superuser: createuser -h {server.host} -p "
            f"{server.port} --createdb --pwprompt {server.user}, and put its password into "
            f"{PASSWORD_VARIABLE}"
        )
    else:
        hint = "is the server running, and are host, port, role and password right?"
    return f"cannot connect to {server}: {_first_line(error)}; {hint}"


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
