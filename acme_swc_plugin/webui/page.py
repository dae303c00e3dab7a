"""ACME's web UI page with the extension's tags added, computed from ACME's own file.

The page stays ACME's: every request reads the installed `index.html` and adds the
extension's stylesheet and script at the end of its `<head>`, after ACME's scripts,
so that they run once ACME's tables and functions exist and before the page's
`onload` handler connects to the CSE. A page without a `</head>` is served unchanged.
"""

from __future__ import annotations

import re
from html import escape

_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


def extension_tags(asset_dir: str, script: str, stylesheet: str) -> str:
    """The tags that load the extension, with URLs relative to the page."""
    base = escape(asset_dir, quote=True)
    return (
        f'<link rel="stylesheet" type="text/css" href="{base}/{escape(stylesheet)}">\n'
        f'<script src="{base}/{escape(script)}"></script>\n'
    )


def extend_page(html: str, tags: str) -> str | None:
    """Return `html` with `tags` placed right before its `</head>`, or None without one."""
    match = _HEAD_END.search(html)
    if match is None:
        return None
    return html[: match.start()] + tags + html[match.start() :]
