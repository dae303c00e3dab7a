"""Campaigns in ACME's web UI, added by the plugin without touching ACME's files.

ACME's web UI names types and attributes from tables in its JavaScript, so a campaign
would show as `unknown: <name>` with raw short names. `install()` serves ACME's page
with one extra script, which completes those tables from the protocol values in
`init/`, renders the campaign's status readably with its progress, and offers a
campaign CREATE template in the REST pane (see `docs/webui.md`).
"""

from .install import install

__all__ = ["install"]
