"""`acme-swc purge DIR`: take the plugin out of an ACME runtime directory, campaigns first.

ACME cannot read a campaign without the plugin: once the plugin's files are gone, every
request that meets a campaign left in the database (any discovery over the tree, a
RETRIEVE or DELETE of the campaign) answers 5000. So the campaigns are deleted while the
plugin still runs, through the CSE as its admin, which also stops their work and removes
their subscriptions on this CSE and on registree CSEs; then the plugin's files go.

Where the campaigns are deleted:
- a CSE that answers at `--cse` (default: the URL that `DIR/acme.ini` gives) is used as
  it is; it keeps the plugin loaded until it is restarted;
- a stopped CSE whose database (TinyDB, PostgreSQL) holds campaigns is started briefly
  with the plugin, on a free loopback port, and stopped again; its plugin files are put
  back for that if they were removed by hand. The database is only read to find out
  whether it holds campaigns (or announced ones); when that cannot be told, the CSE is
  started;
- a stopped CSE with the memory database holds nothing.
Running it again finds nothing left to do. Exit status 0 when the directory is clean, 1
when something could not be done (the message says what to do), 2 for a bad DIR.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import layout, postgres
from ..cli import STARTED_LINE, CSEEndpoint, acme_command, child_environment, restore_default_sigint
from ..protocol import load
from .children import free_port, wait_until
from .onem2m import Client, CSEUnreachable

_PROTOCOL = load()
CAMPAIGN_TYPES = (int(_PROTOCOL.campaign.code), int(_PROTOCOL.announced.code))
"""Campaigns and announced campaigns: ACME can read neither without the plugin."""
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
BOOTSTRAP_ACP = "acpCreateRootResources"
"""ACME's bootstrap ACP, whose CREATE rule the plugin extends to campaigns."""
ROUNDS = 20
"""Discovery rounds at most: ACME may cap the number of IDs one discovery returns."""


class PurgeError(Exception):
    """What `purge` could not do and what the user can do about it."""


@dataclass(frozen=True)
class Options:
    directory: Path
    cse: str | None = None
    originator: str | None = None
    db: str | None = None


def command(options: Options) -> int:
    """Run `acme-swc purge` with `options`; return the exit status."""
    base = options.directory.resolve()
    ini = base / layout.ACME_INI
    if not ini.is_file():
        print(f"acme-swc purge: {ini} not found: DIR must be an ACME runtime directory")
        return 2
    endpoint = CSEEndpoint.from_ini(ini)
    originator = options.originator or endpoint.admin
    try:
        _delete_campaigns(base, endpoint, options, originator)
    except (PurgeError, CSEUnreachable) as error:
        print(f"acme-swc purge: {error}")
        return 1
    for change in layout.remove(base):
        print(change)
    return 0


def _delete_campaigns(base: Path, endpoint: CSEEndpoint, options: Options, originator: str):
    client = Client(options.cse or endpoint.cse_url, originator)
    try:
        if _answers(client, endpoint, checked=options.cse is None):
            print(f"using the running CSE at {client.cse_url}")
            memory = (options.db or postgres.database_type(base / layout.ACME_INI)) == "memory"
            _delete_all(client, running_without_plugin_ok=memory)
            print("note: the running CSE keeps the plugin loaded until it is restarted")
            return
    finally:
        client.close()

    db = options.db or postgres.database_type(base / layout.ACME_INI)
    if db == "memory":
        print("the CSE is stopped and its database is memory: no campaigns are kept")
        return
    if stored_campaigns(base, db) == 0:
        print(f"the stopped CSE's {db} database holds no campaigns")
        return
    with BriefCSE(base, endpoint, db) as brief:
        client = Client(brief.cse_url, originator)
        try:
            _delete_all(client, running_without_plugin_ok=False)
        finally:
            client.close()


def _answers(client: Client, endpoint: CSEEndpoint, checked: bool) -> bool:
    """Whether a CSE answers at the client's URL; with `checked`, it must be DIR's CSE."""
    try:
        rsc, body = client.retrieve("")
    except CSEUnreachable:
        return False
    if rsc != 2000:
        raise PurgeError(
            f"the CSE at {client.cse_url} answered {rsc} to its admin's RETRIEVE; "
            "pass the admin originator (--originator) or stop it"
        )
    csi = body.get("m2m:cb", {}).get("csi", "").lstrip("/")
    if checked and csi != endpoint.cse_id:
        raise PurgeError(
            f"{client.cse_url} is CSE {csi!r}, not this directory's {endpoint.cse_id!r}; "
            "stop it or name the right CSE with --cse"
        )
    return True


def _delete_all(client: Client, running_without_plugin_ok: bool) -> None:
    """Delete every campaign below the CSEBase, round by round until discovery finds none."""
    deleted = 0
    for _ in range(ROUNDS):
        rsc, found = client.discover({"ty": list(CAMPAIGN_TYPES)})
        if rsc == 4000 and running_without_plugin_ok:
            print("the running CSE has no campaign plugin loaded and a memory database")
            return
        if rsc == 4000:
            raise PurgeError(
                f"the CSE at {client.cse_url} runs without the campaign plugin, so it cannot "
                "delete the campaigns in its database: stop it and run `acme-swc purge` again "
                "(it then starts the CSE briefly with the plugin)"
            )
        if rsc != 2000:
            raise PurgeError(f"discovery of campaigns at {client.cse_url} answered {rsc}")
        if not found:
            break
        for campaign in found:
            rsc, body = client.request("DELETE", campaign)
            if rsc not in (2002, 4004):
                raise PurgeError(f"DELETE {campaign} answered {rsc}: {body.get('m2m:dbg', '')}")
            if rsc == 2002:
                deleted += 1
                print(f"{'deleted':9} campaign {campaign}")
    else:
        raise PurgeError(f"campaigns were still found after {ROUNDS} rounds of deletion")
    if not deleted:
        print("no campaigns to delete")
    _revoke_creation(client)


def _revoke_creation(client: Client) -> None:
    """Take the campaign type out of the `chty` lists of ACME's bootstrap ACP.

    The plugin added it there, in the database, so that every AE may create campaigns;
    ACME would otherwise keep an ACP that names a type it no longer knows.
    """
    rsc, body = client.retrieve(BOOTSTRAP_ACP)
    privileges = body.get("m2m:acp", {}).get("pv")
    if rsc != 2000 or not isinstance(privileges, dict):
        return
    changed = False
    for rule in privileges.get("acr", []):
        for context in rule.get("acod") or []:
            types = context.get("chty")
            if isinstance(types, list) and set(types) & set(CAMPAIGN_TYPES):
                context["chty"] = [code for code in types if code not in CAMPAIGN_TYPES]
                changed = True
    if not changed:
        return
    rsc, body = client.request("PUT", BOOTSTRAP_ACP, body={"m2m:acp": {"pv": privileges}})
    if rsc != 2004:
        raise PurgeError(f"UPDATE of {BOOTSTRAP_ACP} answered {rsc}: {body.get('m2m:dbg', '')}")
    print(f"{'revoked':9} campaign creation in {BOOTSTRAP_ACP}")


def stored_campaigns(base: Path, db: str) -> int | None:
    """How many campaigns the stopped CSE's database holds; None when it cannot be told.

    Reads ACME's TinyDB files in `DIR/data` (their default place) or the PostgreSQL
    `resources` table; nothing is written.
    """
    if db == "tinydb":
        return _tinydb_campaigns(base / "data")
    if db == "postgresql":
        return _postgres_campaigns(postgres.from_ini(base / layout.ACME_INI))
    return None


def _tinydb_campaigns(folder: Path) -> int | None:
    files = sorted(folder.glob("resources-*.json"))
    if not files:
        return None
    count = 0
    for path in files:
        try:
            tables = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return None
        for table in tables.values():
            count += sum(1 for doc in table.values() if doc.get("ty") in CAMPAIGN_TYPES)
    return count


def _postgres_campaigns(server: postgres.Server) -> int | None:
    import psycopg2
    from psycopg2 import sql

    query = sql.SQL("SELECT count(*) FROM {}.resources WHERE (resource->>'ty')::int IN %s")
    try:
        connection = server.connect()
    except psycopg2.OperationalError as error:
        if f'database "{server.database}" does not exist' in str(error):
            return 0
        return None
    try:
        with connection.cursor() as cursor:
            cursor.execute(query.format(sql.Identifier(server.schema)), (CAMPAIGN_TYPES,))
            return int(cursor.fetchone()[0])
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName):
        return 0
    except psycopg2.Error:
        return None
    finally:
        connection.close()


class BriefCSE:
    """The stopped CSE of a runtime directory, started with the plugin for a moment.

    It listens on a free port on 127.0.0.1 only, so that nothing but `purge` reaches it;
    its output goes to a temporary file shown when it fails to start.
    """

    def __init__(self, base: Path, endpoint: CSEEndpoint, db: str) -> None:
        self.base, self.endpoint, self.db = base, endpoint, db
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.output = Path(tempfile.mkstemp(prefix="acme-swc-purge-", suffix=".out")[1])

    @property
    def cse_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/~/{self.endpoint.cse_id}/{self.endpoint.cse_name}"

    def __enter__(self) -> BriefCSE:
        for change in layout.lay_out(self.base):
            if change.action != "unchanged":
                print(f"{change}  (for the purge)")
        if self.db == "postgresql":
            try:
                postgres.ensure_database(postgres.from_ini(self.base / layout.ACME_INI))
            except postgres.DatabaseError as error:
                raise PurgeError(str(error)) from None
        print(f"starting the CSE in {self.base} briefly on port {self.port} ...", flush=True)
        overrides = ["--http-port", str(self.port), "--network-interface", "127.0.0.1"]
        overrides += ["--http-address", f"http://127.0.0.1:{self.port}", "--db-type", self.db]
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                acme_command(self.base, *overrides),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=child_environment(),
                preexec_fn=restore_default_sigint,
                process_group=0,
            )
        try:
            wait_until(self._ready, START_TIMEOUT)
        except TimeoutError:
            self._stop()
            raise PurgeError(self._failure(f"did not start within {START_TIMEOUT:.0f} s")) from None
        return self

    def __exit__(self, *exc_info) -> None:
        status = self._stop()
        print(f"stopped the CSE (exit status {status})")
        if exc_info[0] is None:
            self.output.unlink(missing_ok=True)

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise PurgeError(self._failure(f"exited during start-up ({self.process.returncode})"))
        if STARTED_LINE not in self.output.read_text(errors="replace"):
            return False
        client = Client(self.cse_url, self.endpoint.admin)
        try:
            return client.retrieve("")[0] == 2000
        except CSEUnreachable:
            return False
        finally:
            client.close()

    def _stop(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode

    def _failure(self, problem: str) -> str:
        tail = self.output.read_text(errors="replace").splitlines()[-15:]
        return "\n".join(
            [f"the CSE {problem}; its output ({self.output}):", *tail, f"log: {self.base / 'logs'}"]
        )
