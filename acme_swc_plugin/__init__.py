"""The oneM2M <softwareCampaign> resource for the ACME CSE, as a drop-in plugin.

The package has three rooms: `core` holds the campaign's rules as plain Python,
`seam` is the only place that reaches into ACME's private structures, and the
modules beside them (resource, plugin, cli) wire the two together.
"""

__version__ = "0.1.0"

ACME_VERSION = "2026.5.3"
"""The acmecse release whose internals the seam was verified against."""
