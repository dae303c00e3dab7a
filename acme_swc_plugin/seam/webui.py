"""Find ACME's web UI: its Flask application, its root path and its page files.

ACME has no API for extending its web UI. Its `HttpWebUI` plugin is loaded only when
`[webui] enable` is true, and its instance holds the `WebUI` object that registered
the web UI's routes (`webuiRoot`, `webuiDirectory`, on the HTTP server's `flaskApp`).
This module looks them up through ACME's plugin manager and answers `None` when the
web UI is not running, or when those structures are not where acmecse 2026.5.3 keeps
them: the web UI is a convenience, so a changed ACME leaves the stock UI, with a
warning, rather than stopping the CSE.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from acmecse.runtime.PluginSupport import pluginManager

from .. import ACME_VERSION
from .check import installed_acme_version

WEBUI_PLUGIN = "acmecse.plugins.bindings.http.HttpWebUI"


@dataclass(frozen=True)
class WebUI:
    """Where ACME serves its web UI."""

    app: Any
    """The HTTP server's Flask application."""
    root: str
    """The web UI's URL path, e.g. `/webui` (`[webui] root`, with `[http] root`)."""
    directory: Path
    """The folder holding ACME's `index.html`, `js/` and `css/`."""


class WebUIShapeError(RuntimeError):
    """ACME's web UI runs, but not in the shape this module knows."""


def find() -> WebUI | None:
    """Return ACME's running web UI, or None when `[webui] enable` is false.

    Raises:
        WebUIShapeError: the web UI plugin is loaded but its structures differ from
            those of acmecse 2026.5.3; the message names both versions.
    """
    info = pluginManager.plugins.get(WEBUI_PLUGIN)
    if info is None:
        return None

    webui = getattr(getattr(info, "instance", None), "webui", None)
    app = getattr(webui, "flaskApp", None)
    root = getattr(webui, "webuiRoot", None)
    directory = getattr(webui, "webuiDirectory", None)
    if app is None or not isinstance(root, str) or not isinstance(directory, str):
        raise WebUIShapeError(
            f"the web UI of acmecse {installed_acme_version()} does not have the shape of "
            f"acmecse {ACME_VERSION} (HttpWebUI.webui with flaskApp, webuiRoot, "
            "webuiDirectory)"
        )
    return WebUI(app=app, root=root, directory=Path(directory))
