"""Deliver NOTIFY requests from other CSEs to campaigns.

A campaign subscribes to the `[software]` it creates, with itself (its SP-relative ID)
as notification target. ACME hands a NOTIFY from its own subscriptions straight to the
resource's `handleNotification()`, but a NOTIFY arriving from a registree CSE goes
through `Dispatcher.processNotifyRequest`, which accepts only a few built-in target
types and answers "Unsupported resource type" for anything else. This wrapper routes
a NOTIFY whose target is a campaign to that campaign; every other NOTIFY keeps ACME's
path unchanged.
"""

from __future__ import annotations

from typing import Any

from acmecse.etc.IDUtils import localResourceID
from acmecse.etc.ResponseStatusCodes import ResponseException, ResponseStatusCode
from acmecse.etc.Types import Result
from acmecse.services.Dispatcher import Dispatcher


def _campaign_target(dispatcher: Any, request: Any, id: str | None, campaign_code: int):
    """The campaign a NOTIFY request is addressed to, or None for any other target."""
    if not isinstance(request.pc, dict) or "m2m:sgn" not in request.pc:
        return None
    if localResourceID(request.id) is None:
        return None
    _, resource_id = dispatcher._checkHybridID(request, id)
    try:
        target = dispatcher.retrieveResource(resource_id)
    except ResponseException:
        return None
    return target if target.ty == campaign_code else None


def route_notifications(campaign_code: int) -> None:
    """Wrap `Dispatcher.processNotifyRequest` once so that campaigns receive NOTIFYs."""
    original = Dispatcher.processNotifyRequest
    if getattr(original, "_swc_wrapped", False):
        return

    def processNotifyRequest(self, request, originator, id=None):  # noqa: N802 - ACME's name
        campaign = _campaign_target(self, request, id, campaign_code)
        if campaign is None:
            return original(self, request, originator, id)
        campaign.handleNotification(request, originator)
        return Result(rsc=ResponseStatusCode.OK)

    processNotifyRequest._swc_wrapped = True  # type: ignore[attr-defined]
    processNotifyRequest.__doc__ = original.__doc__
    Dispatcher.processNotifyRequest = processNotifyRequest
