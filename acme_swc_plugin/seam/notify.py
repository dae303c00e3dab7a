"""Deliver NOTIFY requests addressed to campaigns straight to the campaign engine.

A campaign subscribes to the `[software]` it creates, with itself (its SP-relative ID)
as notification target. ACME delivers such a NOTIFY on one of two paths, and neither
suits a campaign:

- from another CSE, `Dispatcher.processNotifyRequest` accepts only a few built-in
  target types and answers "Unsupported resource type" for anything else;
- from this CSE's own subscriptions, `Dispatcher.notifyLocalResource` loads the whole
  target resource for every notification; a campaign with thousands of targets would
  be read and copied once per notification, which makes a run quadratic.

Both wrappers ask the receiver (the campaign engine) whether the target is a
campaign and, if so, hand the notification to it without loading the resource; the
engine checks the subscription and the sender itself. Every other NOTIFY keeps ACME's
path unchanged.

Before that, to send a NOTIFY to a local resource, `RequestManager.determineTargetDetails`
loads the target only to learn that it is not a notification entity, and then this
CSE's own `<CSEBase>` (a scan of every stored resource with the memory and TinyDB
databases) for the release version and serialization of "this CSE". Both answers are
the same for every NOTIFY to any campaign, so the third wrapper asks ACME once and
re-uses that answer, with the originator and target of each request; a per-notification
cost that grew with the number of resources in the CSE is gone.
"""

from __future__ import annotations

from typing import Any, Protocol

from acmecse.etc.Constants import RuntimeConstants as RC
from acmecse.etc.DateUtils import getResourceDate
from acmecse.etc.IDUtils import isStructured, localResourceID
from acmecse.etc.ResponseStatusCodes import ResponseException, ResponseStatusCode
from acmecse.etc.Types import CSERequest, Operation, Result
from acmecse.services.Dispatcher import Dispatcher
from acmecse.services.RequestManager import RequestManager


class Receiver(Protocol):
    def is_campaign(self, resource_id: str) -> bool: ...

    def handle_notification(self, campaign_ri: str, request: Any, originator: str) -> None: ...


_receiver: Receiver | None = None
_campaign_details: list[tuple] = []
"""ACME's target details of a first NOTIFY to a campaign, as a template for the next."""

DETAILS_ORIGINATOR, DETAILS_TARGET, DETAILS_LENGTH = 4, 5, 8
"""Where ACME 2026.5.3 puts the originator and the target ID in a target details tuple."""


def set_receiver(receiver: Receiver | None) -> None:
    """Name the engine that receives campaign NOTIFYs (None while there is none)."""
    global _receiver
    _receiver = receiver


def _campaign_ri(receiver: Receiver, dispatcher: Any, request: Any, id: str | None) -> str | None:
    """The `ri` of the campaign a NOTIFY request is addressed to, or None."""
    if not isinstance(request.pc, dict) or "m2m:sgn" not in request.pc:
        return None
    if localResourceID(request.id) is None:
        return None
    _, resource_id = dispatcher._checkHybridID(request, id)
    if not resource_id:
        return None
    if receiver.is_campaign(resource_id):
        return resource_id
    if not isStructured(resource_id):
        return None
    try:  # a structured ID: rare, since campaigns subscribe with their unstructured ID
        ri = dispatcher.retrieveResource(resource_id).ri
    except ResponseException:
        return None
    return ri if receiver.is_campaign(ri) else None


def route_notifications() -> None:
    """Wrap both of ACME's NOTIFY entry points and its target lookup once."""
    process = Dispatcher.processNotifyRequest
    if getattr(process, "_swc_wrapped", False):
        return

    def processNotifyRequest(self, request, originator, id=None):  # noqa: N802 - ACME's name
        receiver = _receiver  # one read: set_receiver() may change it meanwhile
        campaign_ri = receiver and _campaign_ri(receiver, self, request, id)
        if not campaign_ri:
            return process(self, request, originator, id)
        receiver.handle_notification(campaign_ri, request, originator)
        return Result(rsc=ResponseStatusCode.OK)

    notify_local = Dispatcher.notifyLocalResource

    def notifyLocalResource(self, ri, originator, content):  # noqa: N802 - ACME's name
        receiver = _receiver
        if receiver is None or not receiver.is_campaign(ri):
            return notify_local(self, ri, originator, content)
        request = CSERequest(
            to=ri,
            id=ri,
            op=Operation.NOTIFY,
            originator=originator,
            ot=getResourceDate(),
            rvi=RC.releaseVersion,
            pc=content,
        )
        receiver.handle_notification(ri, request, originator)
        return Result(rsc=ResponseStatusCode.OK)

    target_details = RequestManager.determineTargetDetails

    def determineTargetDetails(self, request):  # noqa: N802 - ACME's name
        receiver, ri = _receiver, None  # one read: set_receiver() may change it meanwhile
        if receiver is not None and request.op == Operation.NOTIFY and not request._directURL:
            ri = localResourceID(request.to or "")
        if ri is None or not receiver.is_campaign(ri):
            return target_details(self, request)
        if not _campaign_details:
            details = target_details(self, request)
            if len(details) == 1 and len(details[0]) == DETAILS_LENGTH:
                _campaign_details.append(details[0])
            return details
        template = list(_campaign_details[0])
        template[DETAILS_ORIGINATOR] = request.originator
        template[DETAILS_TARGET] = request.to
        return [tuple(template)]

    for wrapper, original in (
        (processNotifyRequest, process),
        (notifyLocalResource, notify_local),
        (determineTargetDetails, target_details),
    ):
        wrapper._swc_wrapped = True  # type: ignore[attr-defined]
        wrapper.__doc__ = original.__doc__
    Dispatcher.processNotifyRequest = processNotifyRequest
    Dispatcher.notifyLocalResource = notifyLocalResource
    RequestManager.determineTargetDetails = determineTargetDetails
