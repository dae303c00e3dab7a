"""Make ACME's type tables know the campaign types.

ACME builds every type table (names, announced mapping, creatable types, supported
types, the classes' attribute lists and allowed children) in `Factory.initResources()`
from `Types.resourceTypeDetails`, which its importer fills from its own `.rtp` file.
So the campaign's enum members are added first, its descriptions are added right
before `initResources()` runs, and the factory's class mapping always includes the
campaign classes: then ACME's own code derives every table, as for a built-in type.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from acmecse.etc import Types
from acmecse.etc.Types import ResourceDescription, ResourceTypes
from acmecse.runtime.Factory import Factory

from ..protocol import Protocol, TypeInfo


def add_enum_member(enum_cls: type[IntEnum], name: str, value: int) -> None:
    """Add `name = value` to a closed IntEnum; a second call with the same pair is a no-op."""
    if name in enum_cls._member_map_:
        if enum_cls._member_map_[name] != value:
            raise ValueError(f"{enum_cls.__name__}.{name} exists with another value")
        return
    if value in enum_cls._value2member_map_:
        taken = enum_cls._value2member_map_[value].name
        raise ValueError(f"{enum_cls.__name__} value {value} is taken by {taken}")

    member = int.__new__(enum_cls, value)
    member._name_ = name
    member._value_ = value
    member.__objclass__ = enum_cls
    member._sort_order_ = len(enum_cls._member_names_)
    if hasattr(enum_cls, "_add_member_"):  # Python 3.13 and later
        enum_cls._add_member_(name, member)
    else:
        type.__setattr__(enum_cls, name, member)
        enum_cls._member_map_[name] = member
    enum_cls._value2member_map_[value] = member
    if name not in enum_cls._member_names_:
        enum_cls._member_names_.append(name)


def description(info: TypeInfo) -> ResourceDescription:
    """An ACME `ResourceDescription` from an entry of the type description file."""
    entry = info.description
    announced = entry.get("announcedType")
    return ResourceDescription(
        type=ResourceTypes(info.code),
        typeName=info.type_name,
        fullName=info.full_name,
        announcedType=ResourceTypes[announced] if announced else None,
        isAnnouncedResource=entry.get("isAnnouncedResource", False),
        attributes=info.attributes,
        childResourceTypes=[ResourceTypes[name] for name in info.child_types],
    )


class _MappingWithCampaigns:
    """Class-level stand-in for `Factory.resourceClassMapping`.

    `initResources()` replaces the mapping with a new dict; this descriptor adds the
    campaign classes to whatever ACME assigns, so its own loop sets up their class
    attributes and factories.
    """

    def __init__(self, current: dict, extra: dict) -> None:
        self.extra = extra
        self.value = {**current, **extra}

    def __get__(self, instance: Any, owner: Any = None) -> dict:
        return self.value

    def __set__(self, instance: Any, value: dict) -> None:
        value.update(self.extra)
        self.value = value


def register_types(protocol: Protocol, campaign_cls: type, announced_cls: type) -> None:
    """Teach ACME the two campaign types; call once, before ACME imports resource policies."""
    for info in (protocol.campaign, protocol.announced):
        add_enum_member(ResourceTypes, info.name, info.code)

    def factory_for(cls: type):
        return lambda dct, _type_shortname, create: cls(dct, create=create)

    extra = {
        ResourceTypes(protocol.campaign.code): (campaign_cls, factory_for(campaign_cls)),
        ResourceTypes(protocol.announced.code): (announced_cls, factory_for(announced_cls)),
    }
    if not isinstance(Factory.__dict__["resourceClassMapping"], _MappingWithCampaigns):
        current = Factory.__dict__["resourceClassMapping"]
        Factory.resourceClassMapping = _MappingWithCampaigns(current, extra)

    original = Factory.initResources
    if getattr(original, "_swc_wrapped", False):
        return

    def initResources(self: Factory) -> bool:  # noqa: N802 - ACME's name
        _describe(protocol)
        return original(self)

    initResources._swc_wrapped = True  # type: ignore[attr-defined]
    Factory.initResources = initResources


def _describe(protocol: Protocol) -> None:
    """Add the campaign descriptions and make their parents accept them as children."""
    for info in (protocol.campaign, protocol.announced):
        code = ResourceTypes(info.code)
        Types.resourceTypeDetails[code] = description(info)
        for parent_name in info.parent_types:
            parent = Types.resourceTypeDetails.get(ResourceTypes[parent_name])
            if parent is None:
                continue
            if parent.childResourceTypes is None:
                parent.childResourceTypes = []
            if code not in parent.childResourceTypes:
                parent.childResourceTypes.append(code)
