"""A small oneM2M-over-HTTP client for the operator tools (TS-0009 binding, JSON).

A `Client` talks to one CSE, given by the URL of its CSEBase (e.g.
`http://127.0.0.1:8080/~/id-in/cse-in`), as one originator. Calls return `(rsc, body)`:
the `X-M2M-RSC` status as an int and the JSON body as a dict. Resource IDs are mapped
to URLs as ACME's HTTP binding reads them: `/id-in/x` (SP-relative) -> `/~/id-in/x`,
`cse-in/x` (CSE-relative, structured or not) -> next to the CSEBase's path.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from urllib.parse import urlsplit

import requests

RELEASE = "5"
TIMEOUT = 10.0
"""Seconds to wait for an answer."""
STARTING = 5103
"""What a CSE with the plugin answers (HTTP 503) while it is still starting."""
STARTING_WAIT = 15.0
"""Seconds to wait for a starting CSE before its 5103 is returned as the answer."""

_numbers = itertools.count(1)


class CSEUnreachable(Exception):
    """The CSE did not answer over HTTP; the message names the URL and what to check."""


class Client:
    """Requests to the CSE whose CSEBase is at `cse_url`, made as `originator`."""

    def __init__(self, cse_url: str, originator: str, timeout: float = TIMEOUT) -> None:
        parts = urlsplit(cse_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc or not parts.path:
            raise ValueError(
                f"{cse_url!r} is not the URL of a CSEBase, such as "
                "http://127.0.0.1:8080/~/id-in/cse-in"
            )
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.cse_path = parts.path
        self.originator = originator
        self.timeout = timeout
        self._session = requests.Session()

    @property
    def cse_url(self) -> str:
        return self.base_url + self.cse_path

    def path_of(self, resource_id: str) -> str:
        """The URL path of a resource ID (SP-relative, absolute or CSE-relative)."""
        if resource_id.startswith("//"):
            return "/_/" + resource_id[2:]
        if resource_id.startswith("/"):
            return "/~" + resource_id
        prefix = self.cse_path.rsplit("/", 1)[0]
        return f"{prefix}/{resource_id}"

    def create(self, parent: str, ty: int, body: dict) -> tuple[int, dict]:
        """CREATE under the resource ID `parent` (`""` for the CSEBase)."""
        return self.request("POST", parent, body=body, ty=ty)

    def retrieve(self, resource_id: str, params: dict | None = None) -> tuple[int, dict]:
        return self.request("GET", resource_id, params=params)

    def discover(self, filters: dict) -> tuple[int, list[str]]:
        """Discovery (`fu=1`) below the CSEBase; returns the status and the IDs found."""
        rsc, body = self.request("GET", "", params={"fu": 1, **filters})
        return rsc, body.get("m2m:uril", [])

    def request(
        self,
        method: str,
        resource_id: str,
        *,
        body: dict | None = None,
        ty: int | None = None,
        params: dict | None = None,
    ) -> tuple[int, dict]:
        """Send one request to `resource_id` (`""` for the CSEBase).

        A CSE that answers that it is still starting (HTTP 503, 5103) is asked again
        every second for up to `STARTING_WAIT` seconds. Raises CSEUnreachable when there
        is no HTTP answer within the timeout.
        """
        deadline = time.monotonic() + STARTING_WAIT
        while True:
            rsc, answer, starting = self._send(method, resource_id, body, ty, params)
            if not starting or time.monotonic() >= deadline:
                return rsc, answer
            time.sleep(1.0)

    def _send(
        self, method: str, resource_id: str, body: dict | None, ty: int | None, params: dict | None
    ) -> tuple[int, dict, bool]:
        headers = {
            "X-M2M-Origin": self.originator,
            "X-M2M-RI": f"swc-{next(_numbers)}-{uuid.uuid4().hex[:8]}",
            "X-M2M-RVI": RELEASE,
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json" + (f";ty={ty}" if ty else "")
        url = self.base_url + (self.path_of(resource_id) if resource_id else self.cse_path)
        try:
            response = self._session.request(
                method,
                url,
                headers=headers,
                params=params,
                data=json.dumps(body) if body is not None else None,
                timeout=self.timeout,
            )
        except requests.RequestException as e:
            raise CSEUnreachable(
                f"cannot reach the CSE at {self.base_url} ({type(e).__name__}); "
                "is it running, and is the URL right (--cse)?"
            ) from None
        rsc = int(response.headers.get("X-M2M-RSC", 0))
        return rsc, _json(response), response.status_code == 503 and rsc == STARTING

    def close(self) -> None:
        self._session.close()


def _json(response: requests.Response) -> dict:
    if not response.content:
        return {}
    try:
        answer = response.json()
    except ValueError:
        return {"text": response.text}
    return answer if isinstance(answer, dict) else {"value": answer}
