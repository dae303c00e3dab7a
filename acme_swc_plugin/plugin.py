"""ACME plugin of the campaign side: registers `<softwareCampaign>` into a starting CSE.

ACME loads this class from the one-line module that `acme-swc init` writes into the
runtime directory's `plugins/` folder. Start-up order matters (see ACME's
`runtime/CSE.py`): `@configure` runs before ACME imports any resource policy, so the
type registration happens there, after the self-check has accepted this ACME.
"""

from __future__ import annotations

from acmecse.runtime.Logging import Logging as L
from acmecse.runtime.PluginSupport import configure, plugin, start

from . import settings as settings_module
from .seam.check import SeamError, verify


@plugin(property="softwareCampaign")
class SoftwareCampaignPlugin:
    """Registers the campaign types and holds the plugin's settings."""

    settings: settings_module.Settings | None = None

    @configure
    def configure(self, configuration) -> None:
        """Check ACME, read `[plugin.swc]`, and register the campaign types.

        Raises:
            ValueError: ACME or the runtime directory cannot take the plugin; ACME logs
                the message and does not start.
        """
        try:
            if warning := verify():
                L.logWarn(f"acme-swc: {warning}")
            self.settings = settings_module.read(configuration.configParser)

            from .protocol import load
            from .resource import SoftwareCampaign, SoftwareCampaignAnnc
            from .seam.install import check_policy_files, install

            check_policy_files(str(configuration.baseDirectory))
            SoftwareCampaign.settings = self.settings
            install(load(), SoftwareCampaign, SoftwareCampaignAnnc)
        except (SeamError, settings_module.SettingsError) as e:
            L.logErr(f"acme-swc: the plugin cannot start: {e}")
            raise

    @start
    def start(self) -> None:
        L.isInfo and L.log(f"acme-swc: <softwareCampaign> enabled ({self.settings})")
