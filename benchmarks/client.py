"""The benchmark's oneM2M side over HTTP: requests to a CSE, and a notification receiver.

`Client` keeps one keep-alive `requests.Session` per thread, so a thread pool can send
requests in parallel. `Receiver` is a threaded HTTP server on 127.0.0.1 that answers
every NOTIFY with 2000 and hands each non-verification notification to a callback.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

TIMEOUT = 60.0
_numbers = itertools.count(1)


class Client:
    """Requests to the CSE at `base_url`; each call returns `(rsc, body)`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def request(
        self,
        method: str,
        path: str,
        originator: str,
        body: dict | None = None,
        ty: int | None = None,
    ) -> tuple[int, dict]:
        headers = {
            "X-M2M-Origin": originator,
            "X-M2M-RI": f"bench-{next(_numbers)}",
            "X-M2M-RVI": "5",
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json" + (f";ty={ty}" if ty else "")
        response = self._session().request(
            method,
            f"{self.base_url}{path}",
            headers=headers,
            data=json.dumps(body) if body is not None else None,
            timeout=TIMEOUT,
        )
        content = response.json() if response.content else {}
        return int(response.headers.get("X-M2M-RSC", 0)), content

    def create(self, parent: str, ty: int, body: dict, originator: str) -> tuple[int, dict]:
        return self.request("POST", parent, originator, body, ty)

    def retrieve(self, path: str, originator: str) -> tuple[int, dict]:
        return self.request("GET", path, originator)

    def update(self, path: str, body: dict, originator: str) -> tuple[int, dict]:
        return self.request("PUT", path, originator, body)

    def delete(self, path: str, originator: str) -> tuple[int, dict]:
        return self.request("DELETE", path, originator)


class Receiver:
    """Notification receiver on 127.0.0.1; `on_notification(sgn)` runs on its threads."""

    def __init__(self, on_notification: Callable[[dict], None]) -> None:
        callback = on_notification

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, if the CSE's client keeps it

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                notification = body.get("m2m:sgn") or {}
                self.send_response(200)
                self.send_header("X-M2M-RSC", "2000")
                self.send_header("X-M2M-RI", self.headers.get("X-M2M-RI", ""))
                self.send_header("Content-Length", "0")
                self.end_headers()
                if not notification.get("vrq"):
                    callback(notification)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
