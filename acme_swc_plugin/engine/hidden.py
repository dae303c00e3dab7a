"""The campaign's hidden attributes: what a run needs to resume after a restart.

ACME stores them with the resource and leaves them out of every response (they are
registered as internal attributes), so TinyDB, the memory database and PostgreSQL all
keep a campaign's whole state in the campaign itself.
"""

TARGET_KEYS = "__swcTargetKeys__"
"""Targets as checked at CREATE, local ones as their `<node>`'s `ri`."""
RUN_NUMBER = "__swcRun__"
"""Number of the current or last run; names the `[software]` of that run."""
SUBSCRIPTIONS = "__swcSubscriptions__"
"""Target -> the run's subscription on its `[software]`."""
TRIGGERED = "__swcTriggered__"
"""The trigger criteria held once: the start is buffered until a window opens."""
TRIGGER_SUBSCRIPTIONS = "__swcTriggerSubscriptions__"
"""Subscription ID -> remote trigger subject, while the campaign waits."""
RETIRING = "__swcRetiring__"
"""Subscriptions of finished targets whose deletion is not confirmed yet."""

ALL = (TARGET_KEYS, RUN_NUMBER, SUBSCRIPTIONS, TRIGGERED, TRIGGER_SUBSCRIPTIONS, RETIRING)
