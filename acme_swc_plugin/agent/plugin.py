"""ACME plugin of the device side: makes the `[software]` of this CSE's `<node>`s move.

ACME's `[software]` is passive: setting `in`, `un`, `act` or `dea` changes nothing
else, and its `ins`/`acts` can only be written from inside the CSE that hosts it. This
plugin, loaded on that CSE (the campaign's Hosting CSE or a registree MN-CSE, with or
without the campaign plugin), watches UPDATEs of local `[software]` and reports the
operations: through a simulated device (`agentMode=simulate`, see `runner` and
`simulator`) or by really installing packages (`agentMode=real`, see `real`).

ACME loads this class from the one-line module `plugins/swcagent.py` of the runtime
directory, which `layout.lay_out(..., agent=True)` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from acmecse.runtime.EventManager import EventData, eventHandler, eventManager, onEvent
from acmecse.runtime.Logging import Logging as L
from acmecse.runtime.PluginSupport import configure, plugin, requires, restart, start, stop

from .. import settings as settings_module
from .adapter import SoftwareStore, is_software
from .real import RealAgent
from .runner import SimulatedAgent

if TYPE_CHECKING:
    from acmecse.runtime.Storage import Storage


@eventHandler
@plugin(property="softwareAgent")
@requires(storage="acmecse.runtime.Storage")
class DeviceAgentPlugin:
    """Runs the device agent (simulated or real) for the `[software]` stored on this CSE."""

    storage: Storage | None = None
    """ACME's storage, injected once the plugins are resolved (None in `@configure`)."""

    settings: settings_module.Settings | None = None
    base_dir: Path | None = None
    """ACME's runtime directory, where a relative `agentPackagesDir` starts."""
    agent: SimulatedAgent | RealAgent | None = None

    @configure
    def configure(self, configuration) -> None:
        """Read `[plugin.swc]`.

        Raises:
            SettingsError: a setting cannot be used; ACME logs the message and does
                not start.
        """
        try:
            self.settings = settings_module.read(configuration.configParser)
        except settings_module.SettingsError as e:
            L.logErr(f"acme-swc agent: the plugin cannot start: {e}")
            raise
        self.base_dir = Path(configuration.baseDirectory or ".").resolve()

    @start
    def start(self) -> None:
        """Start accepting operations, and take up those a stored `[software]` asks for."""
        s = self.settings
        store = SoftwareStore(self.storage)
        if s.agent_mode == "real":
            self.agent = RealAgent(store, s, self.base_dir)
            self.agent.start()
            L.isInfo and L.log(
                f"acme-swc agent: real devices enabled (packages in "
                f"{self.base_dir / s.agent_packages_dir}, {s.agent_workers} workers)"
            )
            return

        self.agent = SimulatedAgent(store, s)
        self.agent.start()
        L.isInfo and L.log(
            f"acme-swc agent: simulated devices enabled (delay {s.agent_delay:g} s, "
            f"failure rate {s.agent_failure_rate:g}, seed {s.agent_seed})"
        )

    @stop
    def stop(self) -> None:
        """Stop every pending operation; nothing is reported for them afterwards."""
        if self.agent is not None:
            self.agent.stop()

    @restart
    def restart(self) -> None:
        """After a CSE reset: drop the old operations, then look at storage again."""
        if self.agent is not None:
            self.agent.stop()
            self.agent.start()

    # A trigger flag cannot be set on CREATE (it is NP there and ACME sets it to false),
    # so UPDATE is the only event that can start an operation.
    @onEvent(eventManager.updateResource)
    def software_updated(self, event: EventData) -> None:
        """Event handler: a resource was updated by a request; act on a local `[software]`."""
        resource = event.payload
        if self.agent is not None and is_software(resource):
            self.agent.software_changed(resource.ri)
