"""A small oneM2M-over-HTTP client for the tests (TS-0009 HTTP binding, JSON).

Every call returns `(rsc, body)`: the oneM2M response status code from the
`X-M2M-RSC` header as an int, and the JSON body as a dict (empty when there is none).
Paths are oneM2M IDs as ACME's HTTP binding takes them in the URL: `/~/id-in/cse-in/x`
is the SP-relative ID `/id-in/cse-in/x`, `/cse-in/x` is CSE-relative. IDs given without
a leading slash are taken as CSE-relative.
"""

from __future__ import annotations

import itertools
import json
import uuid

import requests

RELEASE = "5"
"""`X-M2M-RVI`: ACME's own default release; the campaign is a release 5 resource."""

TIMEOUT = 15.0
"""Seconds to wait for an answer; ACME's own request expiry is 10 s."""

_request_numbers = itertools.count(1)


class OneM2MClient:
    """Talks to one CSE at `base_url` (e.g. `http://127.0.0.1:8080`).

    `cse_path` is that CSE's CSEBase as a URL path, the default parent of new AEs.
    """

    def __init__(
        self, base_url: str, *, cse_path: str = "/~/id-in/cse-in", release: str = RELEASE
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cse_path = cse_path
        self.release = release
        self.session = requests.Session()

    def create(
        self, parent: str, ty: int, body: dict, originator: str, params: dict | None = None
    ) -> tuple[int, dict]:
        """CREATE a resource of type `ty` under `parent`; `body` is e.g. `{"m2m:ae": {...}}`."""
        return self.request("POST", parent, originator, body=body, ty=ty, params=params)

    def retrieve(self, path: str, originator: str, params: dict | None = None) -> tuple[int, dict]:
        return self.request("GET", path, originator, params=params)

    def update(self, path: str, body: dict, originator: str) -> tuple[int, dict]:
        return self.request("PUT", path, originator, body=body)

    def delete(self, path: str, originator: str) -> tuple[int, dict]:
        return self.request("DELETE", path, originator)

    def discover(
        self, path: str, originator: str, filters: dict | None = None
    ) -> tuple[int, list[str]]:
        """Discovery (fu=1) under `path` with filter criteria such as `{"ty": 67}`.

        Returns the status and the list of structured IDs found (`m2m:uril`).
        """
        rsc, body = self.retrieve(path, originator, params={"fu": 1, **(filters or {})})
        return rsc, body.get("m2m:uril", [])

    def register_ae(
        self,
        name: str,
        originator: str = "C",
        *,
        app_id: str = "Ntest",
        poa: list[str] | None = None,
    ) -> str:
        """Register an AE called `name` and return its AE-ID, its originator from now on.

        `originator` `C` lets the CSE assign a `C...` AE-ID; a full `C...` value asks
        for that one. Raises AssertionError with the CSE's answer when it refuses.
        """
        ae = {"rn": name, "api": app_id, "rr": poa is not None, "srv": [self.release]}
        if poa is not None:
            ae["poa"] = poa
        rsc, body = self.create(self.cse_path, 2, {"m2m:ae": ae}, originator)
        assert rsc == 2001, f"AE {name!r} was not registered: {rsc} {body}"
        return body["m2m:ae"]["aei"]

    def request(
        self,
        method: str,
        path: str,
        originator: str,
        *,
        body: dict | None = None,
        ty: int | None = None,
        params: dict | None = None,
    ) -> tuple[int, dict]:
        """Send one request and return `(rsc, body)`; raises only on transport errors."""
        headers = {
            "X-M2M-Origin": originator,
            "X-M2M-RI": f"test-{next(_request_numbers)}-{uuid.uuid4().hex[:8]}",
            "X-M2M-RVI": self.release,
            "Accept": "application/json",
        }
        if body is not None:
            headers["Content-Type"] = "application/json" + (f";ty={ty}" if ty else "")
        response = self.session.request(
            method,
            self.url(path),
            headers=headers,
            params=params,
            data=json.dumps(body) if body is not None else None,
            timeout=TIMEOUT,
        )
        return int(response.headers.get("X-M2M-RSC", 0)), _json(response)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def close(self) -> None:
        self.session.close()


def _json(response: requests.Response) -> dict:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return {"text": response.text}
