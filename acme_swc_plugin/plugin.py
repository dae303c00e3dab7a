"""ACME plugin of the campaign side: `<softwareCampaign>` and its procedure in a CSE.

ACME loads this class from the one-line module that `acme-swc init` writes into the
runtime directory's `plugins/` folder. Start-up order matters (see ACME's
`runtime/CSE.py`): `@configure` runs before ACME imports any resource policy, so the
type registration happens there, once the self-check has accepted this ACME; `@start`
runs once storage, policies and the bootstrap resources are ready, so the campaign
engine starts there; it resumes the stored campaigns when ACME reports the CSE
running (`cseStartup`), since a resumed run needs this CSE to answer registrees.
"""

from __future__ import annotations

from typing import Any

from acmecse.runtime.EventManager import EventData, eventHandler, eventManager, onEvent
from acmecse.runtime.Logging import Logging as L
from acmecse.runtime.PluginSupport import configure, plugin, requires, restart, start, stop

from . import settings as settings_module
from .seam.check import SeamError, verify


@eventHandler
@plugin(property="softwareCampaign")
@requires(dispatcher="acmecse.services.Dispatcher")
@requires(storage="acmecse.runtime.Storage")
@requires(remoteCSEManager="acmecse.plugins.services.RemoteCSEManager", required=False)
class SoftwareCampaignPlugin:
    """Registers the campaign types and runs the campaign engine."""

    dispatcher: Any = None
    storage: Any = None
    remoteCSEManager: Any = None  # noqa: N815 - the name ACME injects
    settings: settings_module.Settings | None = None
    engine: Any = None
    campaign_type: int = 0

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
            protocol = load()
            install(protocol, SoftwareCampaign, SoftwareCampaignAnnc)
            self.campaign_type = protocol.campaign.code
        except (SeamError, settings_module.SettingsError) as e:
            L.logErr(f"acme-swc: the plugin cannot start: {e}")
            raise

    @start
    def start(self) -> None:
        from . import webui
        from .engine import CampaignEngine
        from .resource import SoftwareCampaign
        from .seam import notify

        self.engine = CampaignEngine(
            self.dispatcher, self.storage, self.settings, self.campaign_type, self._registered
        )
        SoftwareCampaign.engine = self.engine
        notify.set_receiver(self.engine)
        self.engine.start()
        webui.install()
        L.isInfo and L.log(f"acme-swc: <softwareCampaign> enabled ({self.settings})")

    @onEvent(eventManager.cseStartup)
    def _running(self, _event: EventData | None = None) -> None:
        """The CSE answers requests now: resume the stored campaigns."""
        if self.engine:
            self.engine.resume_all()

    def _registered(self) -> set[str]:
        """The CSE-IDs of the registree and registrar CSEs this CSE is connected to."""
        if self.remoteCSEManager is None:
            return set()
        return {csr.csi for csr in self.remoteCSEManager.getAllLocalCSRs()}

    @stop
    def stop(self) -> None:
        from .seam import notify

        notify.set_receiver(None)
        if self.engine:
            self.engine.stop()

    @restart
    def restart(self) -> None:
        """A CSE reset purged the storage: start over with an empty engine (nothing is
        left to resume, and ACME fires no `cseStartup` after a reset)."""
        self.stop()
        self.start()

    @onEvent(eventManager.createResource)
    def _created(self, event: EventData) -> None:
        if self.engine and event.payload.ty == self.campaign_type:
            self.engine.campaign_created(event.payload.ri)

    @onEvent(eventManager.updateResource)
    def _updated(self, event: EventData) -> None:
        """A request updated a campaign: a new definition may start a new run."""
        if self.engine and event.payload.ty == self.campaign_type:
            self.engine.rewrite(event.payload.ri)
            self.engine.campaign_changed(event.payload.ri)

    @onEvent(eventManager.changeResource)
    def _changed(self, event: EventData) -> None:
        if self.engine:
            self.engine.subject_changed(event[1])
