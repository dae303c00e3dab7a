"""The device side: an ACME plugin that carries out `[software]` operations on its CSE.

- `plugin`: the ACME plugin class, `DeviceAgentPlugin` (lifecycle and events);
- `runner`: one operation per `[software]` at a time, reported by background actors;
- `adapter`: reading and writing `[software]` and `<node>`s inside the CSE;
- `operations` and `simulator`: the pure rules (flags and statuses; delay and outcome).

This package imports nothing of the campaign resource, so a CSE may load it alone.
"""
