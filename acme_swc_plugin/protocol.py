"""The protocol values of <softwareCampaign>, read from the policy files in `init/`.

Type codes, short names and enumeration values live only in those files, in ACME's
own formats (`.rtp`, `.ap`, `.ep`); everything in this package that needs one of them
asks this module. It imports nothing from ACME, so the pure core and the tests can
use it without a CSE.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path

RTP_FILE = "softwareCampaign.rtp"
AP_FILE = "softwareCampaign.ap"
EP_FILE = "softwareCampaign.ep"
POLICY_FILES = (AP_FILE, EP_FILE, RTP_FILE)
"""Files laid into an ACME runtime directory's `init/` folder."""

_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


def data_dir(name: str) -> Path:
    """Return the folder `init` or `config`, from an installed wheel or from a checkout."""
    packaged = Path(__file__).parent / "_data" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / name


def read_policy_file(path: Path) -> dict:
    """Parse one of ACME's policy files: JSON with whole-line `//` comments."""
    return json.loads(_LINE_COMMENT.sub("", path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class TypeInfo:
    """What the type description file says about one resource type."""

    name: str
    """ACME's enum member name, e.g. `SWC`."""
    code: int
    type_name: str
    """The oneM2M type short name with its domain, e.g. `m2m:swc`."""
    full_name: str
    description: dict
    """The whole entry, in the `.rtp` format that ACME's `ResourceDescription` takes."""

    @property
    def short_name(self) -> str:
        """The type name without its domain, as used in ACME's `rtypes` lists."""
        return self.type_name.split(":", 1)[1]

    @property
    def attributes(self) -> list[str]:
        return list(self.description.get("attributes") or [])

    @property
    def child_types(self) -> list[str]:
        return list(self.description.get("childResourceTypes") or [])

    @property
    def parent_types(self) -> list[str]:
        return list(self.description.get("parentResourceTypes") or [])


@dataclass(frozen=True)
class Protocol:
    """All protocol values of the resource, as one read-only object."""

    campaign: TypeInfo
    announced: TypeInfo
    operation: type[IntEnum]
    status: type[IntEnum]
    attributes: dict[str, str]
    """Short name to long name of every attribute the `.ap` file declares."""

    def short_name(self, long_name: str) -> str:
        """Map a long attribute name (e.g. `softwareTargets`) to its short name."""
        for short, long in self.attributes.items():
            if long == long_name:
                return short
        raise KeyError(long_name)


def _type_info(name: str, entry: dict) -> TypeInfo:
    return TypeInfo(
        name=name,
        code=int(entry["type"]),
        type_name=entry["typeName"],
        full_name=entry["fullName"],
        description=entry,
    )


def _enum(name: str, values: dict[str, str]) -> type[IntEnum]:
    return IntEnum(name, {label: int(code) for code, label in values.items()})


@cache
def load(init_dir: Path | None = None) -> Protocol:
    """Read the three policy files of `init_dir` (the packaged `init/` by default)."""
    folder = init_dir or data_dir("init")
    types = read_policy_file(folder / RTP_FILE)
    enums = read_policy_file(folder / EP_FILE)
    policies = read_policy_file(folder / AP_FILE)

    campaign_name = next(n for n, e in types.items() if not e.get("isAnnouncedResource"))
    announced_name = types[campaign_name]["announcedType"]
    return Protocol(
        campaign=_type_info(campaign_name, types[campaign_name]),
        announced=_type_info(announced_name, types[announced_name]),
        operation=_enum("SoftwareOperation", enums["m2m:softwareOperation"]),
        status=_enum("SoftwareStatus", enums["m2m:softwareStatus"]),
        attributes={short: defs[0]["lname"] for short, defs in policies.items()},
    )
