"""Lay out or upgrade an ACME runtime directory so that ACME starts with the plugin.

An ACME runtime directory (ACME's `-dir`, its base directory) holds `acme.ini`, a
`plugins/` folder whose `*.py` files ACME imports as package `plugins`, and an `init/`
folder with extra policy files. `lay_out()` puts this package's pieces there and can be
run again at any time: it rewrites only the files it owns, and of the user's `acme.ini`
it only ever appends the `[plugin.swc]` section when that section is missing.

The `acme.ini` it writes is rendered from the ready-made configurations in `config/`.
This module imports nothing from ACME.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from acme_swc_plugin import protocol, settings

ACME_INI = "acme.ini"
PLUGINS_DIR = "plugins"
INIT_DIR = "init"

WRITTEN_BY = "Written by `acme-swc init`"
"""Marks a plugin module as ours: only files carrying it are ever rewritten."""

CSE_TYPES = ("IN", "MN")
DB_TYPES = ("memory", "tinydb", "postgresql")


@dataclass(frozen=True)
class PluginModule:
    """One module in the runtime directory's `plugins/` folder that imports a plugin class."""

    file_name: str
    module: str
    class_name: str
    purpose: str

    def render(self) -> str:
        """The module's text: a docstring naming its origin, and the import ACME picks up."""
        return (
            f'"""{self.purpose}\n\n'
            f"{WRITTEN_BY}; running it again rewrites this file. ACME imports every *.py in\n"
            f'this folder and starts the class marked as plugin.\n"""\n\n'
            f"from {self.module} import {self.class_name}  # noqa: F401\n"
        )


CAMPAIGN_PLUGIN = PluginModule(
    "swc.py",
    "acme_swc_plugin.plugin",
    "SoftwareCampaignPlugin",
    "The <softwareCampaign> resource for this CSE (package acme-swc-plugin).",
)
AGENT_PLUGIN = PluginModule(
    "swcagent.py",
    "acme_swc_plugin.agent.plugin",
    "DeviceAgentPlugin",
    "The device-side agent that carries out [software] operations on this CSE's <node>s.",
)


@dataclass(frozen=True)
class Change:
    """What `lay_out()` did to one path: created, upgraded, extended or unchanged."""

    path: Path
    action: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.action:9} {self.path}" + (f"  ({self.note})" if self.note else "")


def template(cse_type: str) -> Path:
    """The ready-made configuration for a CSE type (`IN` or `MN`) in `config/`."""
    if cse_type not in CSE_TYPES:
        raise ValueError(f"cse_type must be one of {', '.join(CSE_TYPES)}, not {cse_type!r}")
    return protocol.data_dir("config") / f"acme-{cse_type.lower()}.ini"


def render_acme_ini(
    port: int,
    db: str,
    cse_type: str = "IN",
    *,
    registrar_port: int | None = None,
    log_level: str = "info",
    upper_tester: bool = False,
    extra: dict[str, dict[str, object]] | None = None,
) -> str:
    """Render a complete headless `acme.ini` for a loopback CSE of `cse_type`.

    The text is the template of `cse_type` with the HTTP port, database type and log
    level set, the registrar's port set for an MN-CSE (`registrar_port`, required
    then), the Upper Tester endpoint switched on when asked, the current `[plugin.swc]`
    section, and finally `extra` (section -> {key: value}) merged over all of it.
    Raises `ValueError` for an unknown CSE or database type or a missing registrar port.
    """
    if db not in DB_TYPES:
        raise ValueError(f"db must be one of {', '.join(DB_TYPES)}, not {db!r}")
    if cse_type == "MN" and registrar_port is None:
        raise ValueError("an MN-CSE needs registrar_port, the HTTP port of its IN-CSE")

    text = replace_section(
        template(cse_type).read_text(encoding="utf-8"), settings.render_section()
    )
    options: dict[str, dict[str, object]] = {
        "basic.config": {"httpPort": port, "databaseType": db, "logLevel": log_level},
        "http": {"enableUpperTesterEndpoint": "true" if upper_tester else "false"},
    }
    if registrar_port is not None:
        options["basic.config"]["registrarCsePort"] = registrar_port
    return set_options(set_options(text, options), extra or {})


def sync_templates() -> list[Path]:
    """Rewrite the `[plugin.swc]` section of every ready-made configuration in `config/`.

    For a checkout, after a setting was declared or changed in `settings`; returns the
    files that changed. `python -m acme_swc_plugin.layout` runs it.
    """
    changed = []
    for cse_type in CSE_TYPES:
        path = template(cse_type)
        text = path.read_text(encoding="utf-8")
        synced = replace_section(text, settings.render_section())
        if synced != text:
            path.write_text(synced, encoding="utf-8")
            changed.append(path)
    return changed


def lay_out(
    base_dir: Path | str,
    *,
    port: int = 8080,
    db: str = "memory",
    cse_type: str = "IN",
    registrar_port: int | None = None,
    upper_tester: bool = False,
    extra: dict[str, dict[str, object]] | None = None,
    agent: bool = False,
) -> list[Change]:
    """Lay out or upgrade the ACME runtime directory `base_dir`; return what changed.

    Writes `plugins/swc.py` (and `plugins/swcagent.py` when `agent` is true), copies
    the policy files into `init/`, and writes `acme.ini` from `render_acme_ini()` when
    it is missing. An existing `acme.ini` is left as it is, except that the
    `[plugin.swc]` section is appended when the file has none; the rendering options
    (port, db, ...) then do not apply. A plugin module without our marker is the
    user's and is left alone. Running it twice changes nothing the second time.
    """
    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True)
    modules = [CAMPAIGN_PLUGIN, AGENT_PLUGIN] if agent else [CAMPAIGN_PLUGIN]

    changes = [_write_plugin_module(base / PLUGINS_DIR, module) for module in modules]
    changes += _copy_policy_files(base / INIT_DIR)
    ini_text = render_acme_ini(
        port,
        db,
        cse_type,
        registrar_port=registrar_port,
        upper_tester=upper_tester,
        extra=extra,
    )
    changes.append(_write_acme_ini(base / ACME_INI, ini_text))
    return changes


def remove(base_dir: Path | str) -> list[Change]:
    """Take the plugin out of the runtime directory `base_dir`; return what was removed.

    Removes the plugin modules written by `lay_out()` (a module without our marker is
    the user's and stays), the policy files, and the `[plugin.swc]` section of
    `acme.ini`; every other setting stays. Running it twice removes nothing the second
    time. The campaigns in the CSE's database are not touched: `acme-swc purge` deletes
    them first, since ACME cannot read them once the plugin is gone.
    """
    base = Path(base_dir)
    changes = []
    for module in (CAMPAIGN_PLUGIN, AGENT_PLUGIN):
        path = base / PLUGINS_DIR / module.file_name
        if path.exists() and WRITTEN_BY in path.read_text(encoding="utf-8"):
            path.unlink()
            changes.append(Change(path, "removed"))
    for name in protocol.POLICY_FILES:
        path = base / INIT_DIR / name
        if path.exists():
            path.unlink()
            changes.append(Change(path, "removed"))
    ini = base / ACME_INI
    if ini.exists():
        text = ini.read_text(encoding="utf-8")
        if has_section(text, settings.SECTION):
            ini.write_text(remove_section(text, settings.SECTION), encoding="utf-8")
            changes.append(Change(ini, "removed", f"[{settings.SECTION}], other settings kept"))
    return changes


def _write_plugin_module(folder: Path, module: PluginModule) -> Change:
    path = folder / module.file_name
    if path.exists() and WRITTEN_BY not in path.read_text(encoding="utf-8"):
        return Change(path, "unchanged", "not written by acme-swc, left as the user's file")
    folder.mkdir(parents=True, exist_ok=True)
    return _write_if_different(path, module.render())


def _copy_policy_files(folder: Path) -> list[Change]:
    folder.mkdir(parents=True, exist_ok=True)
    source = protocol.data_dir("init")
    return [
        _write_if_different(folder / name, (source / name).read_text(encoding="utf-8"))
        for name in protocol.POLICY_FILES
    ]


def _write_acme_ini(path: Path, rendered: str) -> Change:
    if not path.exists():
        path.write_text(rendered, encoding="utf-8")
        return Change(path, "created")

    text = path.read_text(encoding="utf-8")
    if has_section(text, settings.SECTION):
        return Change(path, "unchanged", "keeps its own settings")
    separator = "" if text.endswith("\n\n") or not text else "\n" if text.endswith("\n") else "\n\n"
    path.write_text(text + separator + settings.render_section(), encoding="utf-8")
    return Change(path, "extended", f"[{settings.SECTION}] appended, other settings kept")


def _write_if_different(path: Path, text: str) -> Change:
    if path.exists():
        if path.read_text(encoding="utf-8") == text:
            return Change(path, "unchanged")
        path.write_text(text, encoding="utf-8")
        return Change(path, "upgraded")
    path.write_text(text, encoding="utf-8")
    return Change(path, "created")


# Small line-based ini editing. configparser would drop every comment of the templates
# and of the user's file, which document the settings, so edits are made on the text.

_SECTION_LINE = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_OPTION_LINE = re.compile(r"^\s*([^=:;#\s][^=:]*?)\s*[=:]")


def has_section(text: str, section: str) -> bool:
    """Whether the ini `text` has a `[section]` header (names compared exactly)."""
    return any(_section_of(line) == section for line in text.splitlines())


def replace_section(text: str, section_text: str) -> str:
    """Return `text` with the section that `section_text` starts with replaced by it.

    The section runs from its header to the next header; comment lines directly above
    the next header stay with that header. Appends the section when it is missing.
    """
    name = _section_of(section_text.splitlines()[0])
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _section_of(line) == name), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + section_text

    end = next((i for i in range(start + 1, len(lines)) if _section_of(lines[i])), len(lines))
    while end > start + 1 and lines[end - 1].lstrip().startswith((";", "#")):
        end -= 1
    tail = lines[end:]
    block = section_text if not tail else section_text.rstrip("\n") + "\n\n"
    return "".join(lines[:start]) + block + "".join(tail).lstrip("\n")


def remove_section(text: str, section: str) -> str:
    """Return `text` without `[section]`, its options and the comments inside it.

    The comment lines directly above the next header stay with that header.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _section_of(line) == section), None)
    if start is None:
        return text

    end = next((i for i in range(start + 1, len(lines)) if _section_of(lines[i])), len(lines))
    while end > start + 1 and lines[end - 1].lstrip().startswith((";", "#")):
        end -= 1
    head = "".join(lines[:start]).rstrip("\n")
    tail = "".join(lines[end:]).lstrip("\n")
    if head and tail:
        return head + "\n\n" + tail
    return (head + "\n") if head else tail


def set_options(text: str, options: dict[str, dict[str, object]]) -> str:
    """Return `text` with each `options[section][key]` set, keeping all other lines.

    An existing `key=` line in the section is replaced; a new key goes after the
    section's last option; a new section is appended at the end. Keys are matched
    case-insensitively, as configparser (and so ACME) reads them.
    """
    lines = text.splitlines()
    for section, values in options.items():
        for key, value in values.items():
            lines = _set_option(lines, section, key, str(value))
    return "\n".join(lines) + "\n"


def _set_option(lines: list[str], section: str, key: str, value: str) -> list[str]:
    start = next((i for i, line in enumerate(lines) if _section_of(line) == section), None)
    if start is None:
        return [*_strip_trailing_blanks(lines), "", f"[{section}]", f"{key}={value}"]

    end = next((i for i in range(start + 1, len(lines)) if _section_of(lines[i])), len(lines))
    last_option = start
    for i in range(start + 1, end):
        match = _OPTION_LINE.match(lines[i])
        if not match:
            continue
        if match.group(1).lower() == key.lower():
            return [*lines[:i], f"{key}={value}", *lines[i + 1 :]]
        last_option = i
    return [*lines[: last_option + 1], f"{key}={value}", *lines[last_option + 1 :]]


def _section_of(line: str) -> str | None:
    match = _SECTION_LINE.match(line)
    return match.group(1).strip() if match else None


def _strip_trailing_blanks(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


if __name__ == "__main__":
    for path in sync_templates():
        print(f"updated {path}")
