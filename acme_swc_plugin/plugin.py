"""ACME plugin entry point of the campaign side (work in progress: registration comes next)."""

from acmecse.runtime.Logging import Logging as L
from acmecse.runtime.PluginSupport import plugin, start


@plugin(property="softwareCampaign")
class SoftwareCampaignPlugin:
    """Placeholder that only logs; replaced by the real registration."""

    @start
    def start(self) -> None:
        L.isInfo and L.log("acme-swc plugin loaded")
