"""`acme-swc status`: the campaigns of a CSE, their aggregated status and counts per
individual status; with `--watch`, progress bars until every campaign is terminal.

Campaigns are found by discovery (`fu=1&ty=<campaign type>`) below the CSEBase and read
one by one with the given originator, so ACME's access control decides what is shown:
ACME's discovery leaves out, without an error, what the originator may not retrieve, so
an empty list comes with a hint about `--originator`; a campaign named on the command
line that the originator may not read is an error (4103).
Exit status: 0 when the campaigns were shown (and, with `--watch`, all ended), 1 when
the CSE is unreachable, the originator has no access, a campaign is not found, or the
watch timed out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console

from ..protocol import load
from . import view
from .onem2m import Client, CSEUnreachable

CAMPAIGN_TYPE = int(load().campaign.code)
NO_ACCESS = 4103
NOT_FOUND = 4004


class StatusError(Exception):
    """What `status` could not do and what the user can do about it."""


@dataclass(frozen=True)
class Options:
    cse: str
    originator: str
    campaign: str | None = None
    watch: bool = False
    interval: float = 1.0
    timeout: float | None = None


def command(options: Options, screen: Console | None = None) -> int:
    """Run `acme-swc status` with `options`; return the exit status."""
    screen = screen or view.console()
    try:
        client = Client(options.cse, options.originator)
    except ValueError as e:
        screen.print(f"[red]error:[/red] --cse {e}")
        return 1
    try:
        found = read_campaigns(client, options.campaign)
        if not found:
            screen.print(
                f"No campaigns on {client.cse_url} visible to {options.originator}. "
                "Discovery lists only campaigns the originator may retrieve: use "
                "--originator with the creator's AE-ID or the CSE's admin originator."
            )
            return 0
        if options.watch:
            campaigns = watch(client, found, screen, options.interval, options.timeout)
        else:
            campaigns = list(found.values())
        screen.print(view.summary_table(campaigns, title=f"Campaigns on {client.cse_url}"))
        return 0
    except (StatusError, CSEUnreachable) as e:
        screen.print(f"[red]error:[/red] {e}")
        return 1
    finally:
        client.close()


def read_campaigns(client: Client, wanted: str | None = None) -> dict[str, dict]:
    """The campaigns to show, by resource ID: `wanted` alone, or all that discovery finds.

    `wanted` is a resource name under the CSEBase or a resource ID. Raises StatusError
    when the originator has no access, a campaign does not exist or is no campaign.
    """
    if wanted:
        return {wanted: read_one(client, wanted)}

    rsc, found = client.discover({"ty": CAMPAIGN_TYPE})
    if rsc == NO_ACCESS:
        raise StatusError(_no_access(client, "discover the campaigns of"))
    if rsc != 2000:
        raise StatusError(f"discovery on {client.cse_url} answered {rsc}")
    return {resource_id: read_one(client, resource_id) for resource_id in found}


def read_one(client: Client, resource_id: str) -> dict:
    """RETRIEVE one campaign; a bare name is looked up under the CSEBase first."""
    candidates = [resource_id]
    if "/" not in resource_id:
        candidates.insert(0, f"{client.cse_path.rsplit('/', 1)[1]}/{resource_id}")
    for candidate in candidates:
        rsc, body = client.retrieve(candidate)
        if rsc == NO_ACCESS:
            raise StatusError(_no_access(client, f"read {candidate} on"))
        if rsc == 2000:
            if "m2m:swc" not in body:
                raise StatusError(f"{candidate} is not a <softwareCampaign>")
            return body["m2m:swc"]
        if rsc != NOT_FOUND:
            raise StatusError(f"RETRIEVE {candidate} answered {rsc}: {body.get('m2m:dbg', '')}")
    raise StatusError(f"no campaign {resource_id!r} on {client.cse_url}")


def watch(
    client: Client,
    campaigns: dict[str, dict],
    screen: Console,
    interval: float,
    timeout: float | None,
) -> list[dict]:
    """Show progress bars until every campaign is terminal; return the last reads.

    Raises StatusError when `timeout` seconds pass first.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    with view.CampaignProgress(screen) as bars:
        while True:
            for key, campaign in campaigns.items():
                bars.show(key, campaign)
            if all(view.is_finished(c) for c in campaigns.values()):
                return list(campaigns.values())
            if deadline is not None and time.monotonic() >= deadline:
                raise StatusError(f"campaigns still running after {timeout:g} s")
            time.sleep(interval)
            campaigns = {key: read_one(client, key) for key in campaigns}


def _no_access(client: Client, action: str) -> str:
    return (
        f"originator {client.originator} may not {action} {client.cse_url} (4103 "
        "ORIGINATOR_HAS_NO_PRIVILEGE); use --originator with the campaign creator's "
        "AE-ID or the CSE's admin originator"
    )
