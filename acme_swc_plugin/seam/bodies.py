"""Answer 4000, not 5000, to a campaign request whose content is not a JSON object.

ACME reads a request's content unchecked in places that run before any resource code:
the factory (`'ty' in content` for a CREATE) and the ACP check of an UPDATE
(`'acpi' in content`). So `{"m2m:swc": 7}` raises a TypeError there and ACME answers
5000. Only bodies named with the campaign types are checked here; every other body
keeps ACME's path unchanged (ACME answers the same way for its own types).
"""

from __future__ import annotations

from acmecse.etc.ResponseStatusCodes import BAD_REQUEST
from acmecse.runtime.Factory import Factory
from acmecse.services.Dispatcher import Dispatcher


def _check(body: object, type_names: set[str]) -> None:
    if isinstance(body, dict) and len(body) == 1:
        ((name, content),) = body.items()
        if name in type_names and not isinstance(content, dict):
            raise BAD_REQUEST(f"{name} must be a JSON object, not {type(content).__name__}")


def check_bodies(type_names: set[str]) -> None:
    """Wrap ACME's CREATE factory and UPDATE processing once."""
    create = Factory.resourceFromDict
    if getattr(create, "_swc_wrapped", False):
        return

    def resourceFromDict(self, *args, **kwargs):  # noqa: N802 - ACME's name
        _check(args[0] if args else kwargs.get("resDict"), type_names)
        return create(self, *args, **kwargs)

    update = Dispatcher.processUpdateRequest

    def processUpdateRequest(self, request, *args, **kwargs):  # noqa: N802 - ACME's name
        _check(request.pc, type_names)
        return update(self, request, *args, **kwargs)

    for wrapper, original in ((resourceFromDict, create), (processUpdateRequest, update)):
        wrapper._swc_wrapped = True  # type: ignore[attr-defined]
        wrapper.__doc__ = original.__doc__
    Factory.resourceFromDict = resourceFromDict
    Dispatcher.processUpdateRequest = processUpdateRequest
