"""The `<softwareCampaign>` resource and its announced variant (TS-0001 9.6.76, 10.2.28.3).

ACME validates each attribute against the policies in `init/softwareCampaign.ap`
(mandatory attributes, types, enums, and the CSE-set attributes that a request may
not carry). This class adds the rules of the resource procedures: the checks of a
CREATE, the lock of the campaign's definition while it has not finished, and the
initial status.
"""

from __future__ import annotations

from typing import Any

from acmecse.etc.ResponseStatusCodes import BAD_REQUEST, CONFLICT, OPERATION_NOT_ALLOWED
from acmecse.etc.Types import JSON, ResourceTypes
from acmecse.resources.AnnounceableResource import AnnounceableResource
from acmecse.resources.AnnouncedResource import AnnouncedResource
from acmecse.resources.Resource import addToInternalAttributes

from . import checks
from .core import conflict, targets
from .core.errors import CampaignInputError
from .core.ledger import TargetLedger
from .engine import hidden
from .engine.hidden import TARGET_KEYS, TRIGGERED
from .protocol import load
from .settings import Settings

PROTOCOL = load()
STATUS = PROTOCOL.status

DEFINITION = ("swvr", "swnm", "swur", "swtg", "swop", "swtc")
"""The attributes that define what a campaign does; locked until it has finished."""
MANDATORY = ("swvr", "swnm", "swur", "swtg", "swop")
UNFINISHED = (STATUS.NOT_YET_STARTED, STATUS.IN_PROGRESS)
for _name in hidden.ALL:
    addToInternalAttributes(_name)


class SoftwareCampaign(AnnounceableResource):
    """A campaign: which software, which operation, on which target `<node>`s, when."""

    settings: Settings = Settings()
    """Replaced by the plugin with the values of `[plugin.swc]`."""
    engine: Any = None
    """The plugin's `CampaignEngine`, once the CSE has started."""

    def activate(self, parentResource: Any, originator: str) -> None:  # noqa: N803
        super().activate(parentResource, originator)
        definition = {name: self.attribute(name) for name in DEFINITION}
        criteria, keys = self._check_definition(definition, originator, own_ri=None)
        if criteria is not None:
            self.setAttribute("swtc", criteria)
        self.setAttribute(TARGET_KEYS, keys)

        self.setAttribute("agss", int(STATUS.NOT_YET_STARTED))
        self.setAttribute("swlk", [])
        self.setAttribute("inss", TargetLedger(self.swop, self.swtg).to_attribute())

    def update(
        self,
        dct: JSON | None = None,
        originator: str | None = None,
        doValidateAttributes: bool | None = True,  # noqa: N803
    ) -> None:
        content = (dct or {}).get(self.typeShortname, {})
        if not isinstance(content, dict):  # ACME's validator would fail with a 5000
            raise BAD_REQUEST(f"{self.typeShortname} must be a JSON object")
        # ACME's attribute policies first, so that the rules below see valid types.
        self.validator.validateResourceUpdate(self, dct, doValidateAttributes)
        changes = dct[self.typeShortname]
        touched = [name for name in DEFINITION if name in changes]

        if touched and self.agss in UNFINISHED:
            names = ", ".join(PROTOCOL.attributes[name] for name in touched)
            raise OPERATION_NOT_ALLOWED(
                f"{names} cannot be updated while aggregatedSoftwareStatus is "
                f"{STATUS(self.agss).name}"
            )
        for name in MANDATORY:
            if name in changes and changes[name] is None:
                raise BAD_REQUEST(f"{PROTOCOL.attributes[name]} is mandatory and cannot be removed")

        if touched:
            # A new definition after a finished run: check it as a CREATE would, before
            # anything is stored, and start over from NOT_YET_STARTED.
            definition = {name: self.getFinalResourceAttribute(name, dct) for name in DEFINITION}
            criteria, keys = self._check_definition(definition, originator, own_ri=self.ri)
            if criteria is not None:
                changes["swtc"] = criteria
            changes[TARGET_KEYS] = keys
            changes["agss"] = int(STATUS.NOT_YET_STARTED)
            changes[TRIGGERED] = False
            changes["swlk"] = []
            changes["inss"] = TargetLedger(definition["swop"], definition["swtg"]).to_attribute()
        elif self.engine and (status := self.engine.current_status(self.ri)):
            # This copy was read before the run's latest changes; keep those.
            for name in ("agss", "inss", "swlk"):
                self.setAttribute(name, status[name])
        super().update(dct, originator, doValidateAttributes=False)

    def deactivate(self, originator: str, parentResource: Any) -> None:  # noqa: N803
        super().deactivate(originator, parentResource)
        if self.engine:
            self.engine.campaign_deleted(self)

    def handleNotification(self, request: Any, originator: str) -> None:  # noqa: N802
        """A NOTIFY for this campaign, from a `[software]` or a trigger subject."""
        if self.engine:
            self.engine.handle_notification(self.ri, request, originator)

    def childAdded(self, childResource: Any, originator: str) -> None:  # noqa: N802, N803
        super().childAdded(childResource, originator)
        self._child_changed()

    def childUpdated(self, childResource: Any, updatedAttributes: JSON, originator: str) -> None:  # noqa: N802, N803
        super().childUpdated(childResource, updatedAttributes, originator)
        self._child_changed()

    def childRemoved(self, childResource: Any, originator: str) -> None:  # noqa: N802, N803
        super().childRemoved(childResource, originator)
        self._child_changed()

    def _child_changed(self) -> None:
        """A `<schedule>` may open a window now; a child's write may have hidden statuses."""
        if self.engine:
            self.engine.campaign_changed(self.ri)
            self.engine.rewrite(self.ri)

    def _check_definition(self, definition: dict, originator: str, own_ri: str | None):
        """All checks of 10.2.28.3.1 beyond single attribute policies, on the attribute
        values `definition`; return the trigger criteria with converted thresholds and
        the target keys (local targets as their <node>'s `ri`)."""
        if isinstance(definition["swop"], bool):  # ACME's enum check takes true for 1
            raise BAD_REQUEST("softwareOperation must be a number, not a boolean")
        try:
            targets.check_targets(definition["swtg"])
            targets.check_software_url(definition["swur"])
            if definition["swtc"] is not None:
                targets.check_trigger_criteria_shape(definition["swtc"])
            nodes = checks.check_local_targets(self.dispatcher, definition["swtg"])
            # Now that local targets are known by their <node> IDs, `nod1` and
            # `cse-in/node1` naming the same <node> count as a duplicate too.
            targets.check_targets(definition["swtg"], normalise=lambda t: nodes.get(t, t))
        except CampaignInputError as e:
            raise checks.bad_request(e, PROTOCOL.attributes) from None

        criteria = definition["swtc"]
        if criteria:
            criteria = checks.check_trigger_subjects(
                self.dispatcher, self.validator, criteria, originator
            )

        if self.settings.check_conflicts:
            self._check_conflicts({**definition, "swtc": criteria}, nodes, own_ri)
        return criteria, [nodes.get(target, target) for target in definition["swtg"]]

    def _check_conflicts(self, definition: dict, nodes: dict[str, str], own_ri: str | None):
        """Apply the conflict rule of `core.conflict` against every other campaign."""
        existing = [
            conflict.ExistingCampaign(
                ri=campaign.ri,
                status=campaign.agss,
                **_spec(campaign.dict, campaign.attribute(TARGET_KEYS) or campaign.swtg),
            )
            for campaign in self.dispatcher.retrieveResourcesByType(
                ResourceTypes(PROTOCOL.campaign.code)
            )
            if campaign.ri not in (own_ri, self.ri)
        ]
        found = conflict.find_conflict(
            conflict.CampaignSpec(**_spec(definition, definition["swtg"])),
            existing,
            lambda target: nodes.get(target, target),
        )
        if found:
            raise CONFLICT(found.message)


def _spec(attributes: dict, target_keys: list[str]) -> dict:
    """The keyword arguments of a `conflict.CampaignSpec` from campaign attributes."""
    return {
        "targets": target_keys,
        "trigger_criteria": attributes.get("swtc"),
        "version": attributes["swvr"],
        "name": attributes["swnm"],
        "operation": attributes["swop"],
    }


class SoftwareCampaignAnnc(AnnouncedResource):
    """The announced variant, `<softwareCampaignAnnc>`, on a remote CSE."""
