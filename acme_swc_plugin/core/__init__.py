"""The campaign's rules as plain Python: no ACME import, unit-tested without a CSE.

- `targets`: checks of the inputs a client sends (targets, URL, trigger criteria shape);
- `conflict`: the rule that refuses a campaign clashing with an unfinished one;
- `status`: from a `[software]`'s report to a target's status, and the aggregation;
- `ledger`: the per-campaign table of targets, indexed for linear cost;
- `cron` and `windows`: schedule patterns and the decisions made with them;
- `errors`: the exceptions for bad input.
"""

from .conflict import CampaignSpec, Conflict, ExistingCampaign, find_conflict
from .cron import CronPattern, parse_cron
from .errors import CampaignInputError, CronPatternError
from .ledger import TargetEntry, TargetLedger
from .status import (
    ActionStatus,
    aggregate,
    counts,
    is_terminal,
    status_from_software,
    success_status,
)
from .targets import check_software_url, check_targets, check_trigger_criteria_shape
from .windows import in_window, next_window_start

__all__ = [
    "ActionStatus",
    "CampaignInputError",
    "CampaignSpec",
    "Conflict",
    "CronPattern",
    "CronPatternError",
    "ExistingCampaign",
    "TargetEntry",
    "TargetLedger",
    "aggregate",
    "check_software_url",
    "check_targets",
    "check_trigger_criteria_shape",
    "counts",
    "find_conflict",
    "in_window",
    "is_terminal",
    "next_window_start",
    "parse_cron",
    "status_from_software",
    "success_status",
]
