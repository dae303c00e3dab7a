"""Register the extension's routes on the Flask application of ACME's web UI.

Three routes sit under the web UI's root path (`[webui] root`, `/webui` by default):
the page, `index.html`, a rule more specific than the web UI's catch-all, so it wins;
and, in `acme-swc/`, the extension's script and stylesheet and `values.json`, the
protocol values. Nothing is added when the web UI is disabled. Flask refuses new
routes once it has served a request; that only happens when a client talks to the CSE
before it has started, and then the web UI keeps its stock views.
"""

from __future__ import annotations

import json
from pathlib import Path

import flask
from acmecse.etc.Types import RequestOptionality, ResourceTypes
from acmecse.runtime import CSE
from acmecse.runtime.Logging import Logging as L

from .. import protocol
from ..seam import webui as acme_webui
from .page import extend_page, extension_tags
from .values import web_values

ASSET_DIR = "acme-swc"
STATIC_DIR = Path(__file__).parent / "static"
SCRIPT = "swc-webui.js"
STYLESHEET = "swc-webui.css"
VALUES = "values.json"
_NO_CACHE = {"Cache-Control": "no-cache"}
"""The page and the extension follow ACME's installed files and the plugin's release."""
_INSTALLED = "acme-swc-webui"
"""Key in the Flask application's `extensions`: routes are added once per application."""


def install() -> bool:
    """Extend ACME's web UI for campaigns; return whether the extension is served.

    Safe to call again (a CSE reset restarts the plugin): the routes stay as they are.
    Never raises for a web UI it cannot extend; it logs why and leaves the stock UI.
    """
    try:
        found = acme_webui.find()
    except acme_webui.WebUIShapeError as e:
        L.logWarn(f"acme-swc: the web UI keeps its stock views: {e}")
        return False
    if found is None:
        L.isDebug and L.logDebug("acme-swc: ACME's web UI is disabled; nothing added to it")
        return False
    if _INSTALLED in found.app.extensions:
        return True

    campaign = protocol.load().campaign
    parents = [int(ResourceTypes[name]) for name in campaign.parent_types]
    values = json.dumps(web_values(_read_only_attributes(campaign), parents))
    try:
        _add_routes(found, values)
    except AssertionError as e:  # Flask's refusal after the first request
        L.logWarn(f"acme-swc: the web UI keeps its stock views, routes refused: {e}")
        return False
    found.app.extensions[_INSTALLED] = True
    L.isDebug and L.logDebug(f"acme-swc: web UI extension served under {found.root}")
    return True


def _add_routes(found: acme_webui.WebUI, values: str) -> None:
    app, root = found.app, found.root
    tags = extension_tags(ASSET_DIR, SCRIPT, STYLESHEET)

    def asset(name: str):
        def serve() -> flask.Response:
            response = flask.send_file(STATIC_DIR / name)
            response.headers.update(_NO_CACHE)
            return response

        return serve

    def serve_values() -> flask.Response:
        return flask.Response(values, mimetype="application/json", headers=_NO_CACHE)

    def serve_page() -> flask.Response:
        try:
            html = (found.directory / "index.html").read_text(encoding="utf-8")
        except OSError:
            flask.abort(404)
        page = extend_page(html, tags)
        if page is None:
            L.isDebug and L.logDebug("acme-swc: the web UI page has no </head>; served as is")
            page = html
        return flask.Response(page, mimetype="text/html", headers=_NO_CACHE)

    base = f"{root}/{ASSET_DIR}"
    app.add_url_rule(f"{base}/{SCRIPT}", "acme_swc_script", asset(SCRIPT), methods=["GET"])
    app.add_url_rule(
        f"{base}/{STYLESHEET}", "acme_swc_stylesheet", asset(STYLESHEET), methods=["GET"]
    )
    app.add_url_rule(f"{base}/{VALUES}", "acme_swc_values", serve_values, methods=["GET"])
    # The page last: until it is served, nothing loads the extension.
    app.add_url_rule(f"{root}/index.html", "acme_swc_page", serve_page, methods=["GET"])


def _read_only_attributes(campaign: protocol.TypeInfo) -> list[str]:
    """The campaign's attributes that ACME's policies forbid in an UPDATE request."""
    rtype = ResourceTypes(campaign.code)
    read_only = []
    for name in campaign.attributes:
        policy = CSE.validator.getAttributePolicy(rtype, name)
        if policy is not None and policy.optionalUpdate == RequestOptionality.NP:
            read_only.append(name)
    return read_only
