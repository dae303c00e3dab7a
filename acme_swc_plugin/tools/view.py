"""How the operator tools show campaigns: summary tables, per-target tables, progress bars.

Works on campaigns as the CSE returns them (`m2m:swc` content: `rn`, `swnm`, `swvr`,
`swop`, `agss`, `inss`). Status and operation names come from the protocol files, so
the screen uses the same words as the README.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..protocol import load

PROTOCOL = load()
STATUS = PROTOCOL.status
OPERATION = PROTOCOL.operation
UNFINISHED = (int(STATUS.NOT_YET_STARTED), int(STATUS.IN_PROGRESS))

_COLOURS = {"ERROR": "red", "IN_PROGRESS": "yellow", "NOT_YET_STARTED": "dim"}


def console() -> Console:
    """A console for the tools; 120 columns when the output is not a terminal."""
    screen = Console()
    return screen if screen.is_terminal else Console(width=120)


def status_name(value: object) -> str:
    try:
        return STATUS(int(value)).name
    except (TypeError, ValueError):
        return f"unknown ({value})"


def operation_name(value: object) -> str:
    try:
        return OPERATION(int(value)).name
    except (TypeError, ValueError):
        return f"unknown ({value})"


def is_finished(campaign: dict) -> bool:
    """Whether the campaign's aggregated status is terminal."""
    return campaign.get("agss") not in UNFINISHED


def counts(campaign: dict) -> Counter:
    """How many targets have each individual status, by status name."""
    return Counter(status_name(entry.get("swst")) for entry in campaign.get("inss", []))


def finished_targets(campaign: dict) -> int:
    return sum(1 for e in campaign.get("inss", []) if e.get("swst") not in UNFINISHED)


def summary_table(campaigns: list[dict], title: str = "Campaigns") -> Table:
    """One row per campaign: name, software, operation, aggregated status, counts."""
    table = Table(title=title, title_justify="left")
    for column in ("campaign", "software", "operation", "status", "targets", "per status"):
        table.add_column(column, no_wrap=column != "per status")
    for campaign in campaigns:
        per_status = ", ".join(f"{n} {name}" for name, n in sorted(counts(campaign).items()))
        table.add_row(
            str(campaign.get("rn", "?")),
            f"{campaign.get('swnm', '?')} {campaign.get('swvr', '?')}",
            operation_name(campaign.get("swop")),
            _coloured(status_name(campaign.get("agss"))),
            str(len(campaign.get("inss", []))),
            per_status,
        )
    return table


def target_table(campaign: dict, extra: dict[str, dict[str, str]] | None = None) -> Table:
    """One row per target: the target, its status and `[software]`, plus `extra` columns.

    `extra` maps a column title to {target ID: text}.
    """
    extra = extra or {}
    title = f"{campaign.get('rn')}: {status_name(campaign.get('agss'))}"
    table = Table(title=title, title_justify="left")
    for column in ("target", "status", "[software]", *extra):
        table.add_column(escape(column), no_wrap=True)
    for entry in campaign.get("inss", []):
        target = str(entry.get("tgt", "?"))
        table.add_row(
            target,
            _coloured(status_name(entry.get("swst"))),
            str(entry.get("swri", "-")),
            *(column.get(target, "") for column in extra.values()),
        )
    return table


class CampaignProgress:
    """Progress bars, one per campaign: finished targets of all targets, and the status."""

    def __init__(self, screen: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[state]}"),
            TimeElapsedColumn(),
            console=screen,
        )
        self._tasks: dict[str, int] = {}

    def show(self, key: str, campaign: dict) -> None:
        """Add or update the bar of the campaign known by `key`."""
        fields = {
            "completed": finished_targets(campaign),
            "total": len(campaign.get("inss", [])) or None,
            "state": _state(campaign),
        }
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(str(campaign.get("rn", key)), **fields)
        else:
            self._progress.update(self._tasks[key], **fields)

    def __enter__(self) -> CampaignProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._progress.stop()


def _state(campaign: dict) -> str:
    per_status = ", ".join(f"{n} {name}" for name, n in sorted(counts(campaign).items()))
    return f"{status_name(campaign.get('agss'))} ({per_status})"


def _coloured(name: str) -> str:
    colour = _COLOURS.get(name, "green")
    return f"[{colour}]{name}[/{colour}]"
