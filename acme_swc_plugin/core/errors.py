"""The exceptions the pure core raises for input a client or a stored resource can carry.

Programming errors (an unknown target, an operation that is not one of the four) are
plain `KeyError`/`ValueError`; the two classes here are for data that came from outside
and must become a oneM2M error response or a log line, never a 5000.
"""

from __future__ import annotations


class CampaignInputError(ValueError):
    """A campaign attribute breaks one of the rules checked at CREATE or UPDATE.

    `attribute` is the attribute's short name (e.g. `swtg`); `message` states the rule
    and the offending value. `str(error)` is ready to be a response's `dbg`.
    """

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(f"{attribute}: {message}")
        self.attribute = attribute
        self.message = message


class CronPatternError(ValueError):
    """A schedule string is not a 7-field cron pattern that ACME's matcher accepts."""
