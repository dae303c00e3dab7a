"""The protocol enumerations the core uses, as named members.

The numbers live only in `init/softwareCampaign.ep`; this module looks the members up
by name once, so the rest of the core reads `INSTALLED` rather than a number and stays
typed (`type[IntEnum]` indexing yields an `IntEnum`).
"""

from __future__ import annotations

from enum import IntEnum

from .. import protocol

_PROTOCOL = protocol.load()

Operation: type[IntEnum] = _PROTOCOL.operation
Status: type[IntEnum] = _PROTOCOL.status

INSTALL = Operation["INSTALL"]
UNINSTALL = Operation["UNINSTALL"]
ACTIVATE = Operation["ACTIVATE"]
DEACTIVATE = Operation["DEACTIVATE"]

NOT_YET_STARTED = Status["NOT_YET_STARTED"]
IN_PROGRESS = Status["IN_PROGRESS"]
INSTALLED = Status["INSTALLED"]
UNINSTALLED = Status["UNINSTALLED"]
ACTIVATED = Status["ACTIVATED"]
DEACTIVATED = Status["DEACTIVATED"]
ERROR = Status["ERROR"]

# Short names of the campaign's own attributes and of the members of its complex types.
SOFTWARE_URL = _PROTOCOL.short_name("softwareURL")
SOFTWARE_TARGETS = _PROTOCOL.short_name("softwareTargets")
TRIGGER_CRITERIA = _PROTOCOL.short_name("softwareTriggerCriteria")
SUBJECT_RESOURCE_ID = _PROTOCOL.short_name("subjectResourceID")
EVAL_CRITERIA = _PROTOCOL.short_name("evalCriteria")
TARGET = _PROTOCOL.short_name("target")
SOFTWARE_RESOURCE_ID = _PROTOCOL.short_name("softwareResourceID")
SOFTWARE_STATUS = _PROTOCOL.short_name("softwareStatus")
