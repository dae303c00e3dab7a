"""A oneM2M notification receiver on 127.0.0.1 for the tests (HTTP binding).

It answers every NOTIFY with 2000, including subscription verification requests, and
keeps the bodies of the others so a test can wait for the one it expects.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class NotificationReceiver:
    """Collects notifications sent to `url`; use as a context manager."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                notification = body.get("m2m:sgn", {})
                if not notification.get("vrq"):
                    with receiver._lock:
                        receiver.received.append(notification)
                self.send_response(200)
                self.send_header("X-M2M-RSC", "2000")
                self.send_header("X-M2M-RI", self.headers.get("X-M2M-RI", ""))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> NotificationReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, matches: Callable[[dict], bool], timeout: float = 15.0) -> dict:
        """The first notification for which `matches` is true; TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for notification in self.received:
                    if matches(notification):
                        return notification
            time.sleep(0.1)
        raise TimeoutError(f"no matching notification within {timeout:.0f} s: {self.received}")
