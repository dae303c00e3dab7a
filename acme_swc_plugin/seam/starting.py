"""Answer HTTP requests that arrive while the CSE is still starting with 503, not crash.

ACME's HTTP server listens before its web UI plugin, and then this plugin, register
their routes (`runtime/CSE.py:startup()`). Flask refuses `add_url_rule` once the
application has handled a request, so one request in that window (a registree's
NOTIFY to a restarting Hosting CSE, which a running campaign makes likely) ends the
start-up with "The setup method 'add_url_rule' can no longer be called" and the CSE
exits. Seen in acmecse 2026.5.3 when an IN-CSE was restarted during a campaign over an
MN-CSE's nodes.

A WSGI middleware in front of the Flask application (Flask's documented way to wrap
`app.wsgi_app`) answers such early requests itself, HTTP 503 with
`X-M2M-RSC: 5103` (TARGET_NOT_REACHABLE) and a `Retry-After`, so they never reach
Flask's dispatch until `RC.cseStatus` is RUNNING. Registrees treat the answer like an
unreachable CSE and retry; a campaign reads its targets again after a restart anyway.
It is installed on the first route ACME's HTTP server registers, before it serves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.Types import CSEStatus
from acmecse.runtime.Logging import Logging as L

STARTING_RSC = "5103"
"""TARGET_NOT_REACHABLE: the CSE cannot take requests yet."""

_installed = False


class HoldWhileStarting:
    """WSGI middleware: requests before the CSE runs get a 503 without touching Flask."""

    def __init__(self, application: Callable, starting: Callable[[], bool]) -> None:
        self.application = application
        self.starting = starting

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self.starting():
            return self.application(environ, start_response)
        body = json.dumps({"m2m:dbg": "the CSE is starting, try again shortly"}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Retry-After", "1"),
            ("X-M2M-RSC", STARTING_RSC),
        ]
        if request_id := environ.get("HTTP_X_M2M_RI"):
            headers.append(("X-M2M-RI", request_id))
        start_response("503 Service Unavailable", headers)
        return [body]


def _starting() -> bool:
    return RC.cseStatus == CSEStatus.STARTING


def hold_requests_while_starting() -> None:
    """Wrap ACME's HTTP server so that its Flask app gets the middleware; once per process.

    Without ACME's HTTP binding, or with one of another shape, nothing changes (a
    warning in the latter case): the fix is for a race, not for the campaign itself.
    """
    global _installed
    if _installed:
        return
    try:
        from acmecse.plugins.bindings.HttpServer import HttpServer
    except ImportError:
        return
    original = getattr(HttpServer, "addEndpoint", None)
    if original is None:
        L.logWarn("acme-swc: ACME's HttpServer has no addEndpoint; early requests not held")
        return

    def add_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
        app = getattr(self, "flaskApp", None)
        if app is not None and not isinstance(app.wsgi_app, HoldWhileStarting):
            app.wsgi_app = HoldWhileStarting(app.wsgi_app, _starting)
        return original(self, *args, **kwargs)

    HttpServer.addEndpoint = add_endpoint
    _installed = True
