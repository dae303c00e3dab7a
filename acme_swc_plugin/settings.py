"""The plugin's settings: one section of ACME's `acme.ini`, `[plugin.swc]`.

Each setting is declared once here, with its default and the sentence that documents
it; `acme-swc init` writes the section from these declarations and the README's table
is checked against them by a test. Operational choices (timeouts, delete behaviour)
are settings, not new resource attributes.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, fields

SECTION = "plugin.swc"


@dataclass(frozen=True)
class Setting:
    key: str
    default: str
    doc: str


DECLARED: tuple[Setting, ...] = (
    Setting(
        "targetTimeout",
        "600",
        "Seconds a target may stay silent after its operation was set before it becomes ERROR.",
    ),
    Setting(
        "deleteSoftwareOnDelete",
        "false",
        "Delete the [software] a campaign created when the campaign is deleted.",
    ),
    Setting(
        "checkConflicts",
        "true",
        "Reject a campaign that conflicts with an unfinished one (see the README's rule).",
    ),
    Setting(
        "startDelay",
        "0",
        "Seconds between CREATE and the start of a campaign without trigger criteria, "
        "e.g. to add <schedule> children first.",
    ),
    Setting(
        "parallelTargets",
        "8",
        "Targets whose [software] is being created, subscribed and started at the same time.",
    ),
    Setting(
        "statusWriteInterval",
        "0.5",
        "Seconds over which status changes are collected into one write of the campaign.",
    ),
    Setting(
        "agentMode",
        "simulate",
        "How the device agent carries out [software] operations: simulate, or real "
        "(download, check and unpack packages into agentPackagesDir).",
    ),
    Setting(
        "agentDelay",
        "1.0",
        "Seconds the simulated device agent takes for one operation.",
    ),
    Setting(
        "agentFailureRate",
        "0.0",
        "Share of simulated operations that fail, from 0 to 1.",
    ),
    Setting(
        "agentSeed",
        "",
        "Integer that makes the simulated outcomes reproducible; empty for fresh randomness.",
    ),
    Setting(
        "agentPackagesDir",
        "packages",
        "Real agent: folder of the installed packages, relative to ACME's runtime directory; "
        "{node} in it stands for the <node>'s resource name.",
    ),
    Setting(
        "agentDownloadTimeout",
        "60",
        "Real agent: seconds a package download may take, from connecting to the last byte.",
    ),
    Setting(
        "agentMaxDownloadBytes",
        "104857600",
        "Real agent: largest package download accepted, in bytes.",
    ),
    Setting(
        "agentMaxUnpackedBytes",
        "1073741824",
        "Real agent: largest total size of a package's unpacked files, in bytes.",
    ),
    Setting(
        "agentWorkers",
        "4",
        "Real agent: operations (downloads, unpacking) carried out at the same time.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The values in force, with their types."""

    target_timeout: float = 600.0
    delete_software_on_delete: bool = False
    check_conflicts: bool = True
    start_delay: float = 0.0
    parallel_targets: int = 8
    status_write_interval: float = 0.5
    agent_mode: str = "simulate"
    agent_delay: float = 1.0
    agent_failure_rate: float = 0.0
    agent_seed: int | None = None
    agent_packages_dir: str = "packages"
    agent_download_timeout: float = 60.0
    agent_max_download_bytes: int = 104857600
    agent_max_unpacked_bytes: int = 1073741824
    agent_workers: int = 4


class SettingsError(ValueError):
    """A value in the plugin's section cannot be used; the message names key and rule."""


def read(parser: configparser.ConfigParser) -> Settings:
    """Read `[plugin.swc]` from ACME's parsed configuration, falling back to defaults."""
    section = parser[SECTION] if parser.has_section(SECTION) else {}
    defaults = {s.key: s.default for s in DECLARED}

    def value(key: str) -> str:
        return str(section.get(key, defaults[key])).strip()

    try:
        timeout = float(value("targetTimeout"))
    except ValueError:
        raise SettingsError(f"[{SECTION}] targetTimeout must be a number of seconds") from None
    if timeout <= 0:
        raise SettingsError(f"[{SECTION}] targetTimeout must be greater than 0")

    return Settings(
        target_timeout=timeout,
        delete_software_on_delete=_boolean("deleteSoftwareOnDelete", value),
        check_conflicts=_boolean("checkConflicts", value),
        start_delay=_number("startDelay", value, minimum=0.0),
        parallel_targets=int(_number("parallelTargets", value, minimum=1, integer=True)),
        status_write_interval=_number("statusWriteInterval", value, minimum=0.0),
        **_agent_settings(value),
    )


def _number(key: str, value, minimum: float, integer: bool = False) -> float:
    text = value(key)
    try:
        number = int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingsError(f"[{SECTION}] {key} must be {kind}, not {text!r}") from None
    if number < minimum:
        raise SettingsError(f"[{SECTION}] {key} must be at least {minimum:g}")
    return number


def _boolean(key: str, value) -> bool:
    text = value(key).lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise SettingsError(f"[{SECTION}] {key} must be true or false, not {text!r}")


AGENT_MODES = ("simulate", "real")
"""Modes the device agent accepts: simulated devices, or real downloads and installs."""


def _agent_settings(value) -> dict[str, object]:
    mode = value("agentMode")
    if mode not in AGENT_MODES:
        raise SettingsError(
            f"[{SECTION}] agentMode must be one of {', '.join(AGENT_MODES)}, not {mode!r}"
        )

    try:
        delay = float(value("agentDelay"))
    except ValueError:
        raise SettingsError(f"[{SECTION}] agentDelay must be a number of seconds") from None
    if not 0 <= delay < float("inf"):
        raise SettingsError(f"[{SECTION}] agentDelay must be 0 or more seconds")

    try:
        rate = float(value("agentFailureRate"))
    except ValueError:
        raise SettingsError(f"[{SECTION}] agentFailureRate must be a number") from None
    if not 0 <= rate <= 1:
        raise SettingsError(f"[{SECTION}] agentFailureRate must be between 0 and 1")

    seed_text = value("agentSeed")
    try:
        seed = int(seed_text) if seed_text else None
    except ValueError:
        raise SettingsError(
            f"[{SECTION}] agentSeed must be an integer, or empty for fresh randomness"
        ) from None

    return {
        "agent_mode": mode,
        "agent_delay": delay,
        "agent_failure_rate": rate,
        "agent_seed": seed,
        **_real_agent_settings(value),
    }


def _real_agent_settings(value) -> dict[str, object]:
    folder = value("agentPackagesDir")
    if not folder:
        raise SettingsError(f"[{SECTION}] agentPackagesDir must name a folder")
    try:
        folder.format(node="node")
    except (KeyError, IndexError, ValueError):
        raise SettingsError(
            f"[{SECTION}] agentPackagesDir may contain {{node}} and no other braces, not {folder!r}"
        ) from None

    timeout = _number("agentDownloadTimeout", value, minimum=0.0)
    if not 0 < timeout < float("inf"):
        raise SettingsError(f"[{SECTION}] agentDownloadTimeout must be more than 0 seconds")
    return {
        "agent_packages_dir": folder,
        "agent_download_timeout": timeout,
        "agent_max_download_bytes": int(
            _number("agentMaxDownloadBytes", value, minimum=1, integer=True)
        ),
        "agent_max_unpacked_bytes": int(
            _number("agentMaxUnpackedBytes", value, minimum=1, integer=True)
        ),
        "agent_workers": int(_number("agentWorkers", value, minimum=1, integer=True)),
    }


def render_section() -> str:
    """The `[plugin.swc]` section with every setting at its default, documented."""
    lines = [f"[{SECTION}]"]
    for setting in DECLARED:
        lines.append(f"; {setting.doc} Default: {setting.default}")
        lines.append(f"{setting.key}={setting.default}")
    return "\n".join(lines) + "\n"


assert len(DECLARED) == len(fields(Settings)), "every setting is declared and typed once"
