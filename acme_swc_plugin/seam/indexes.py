"""Indexes for ACME's TinyDB binding, so that its hot lookups stop scanning whole tables.

ACME's TinyDB binding (memory and file databases) answers every lookup that is not by
resource ID by scanning a whole table. Such scans run for every request of a campaign,
and a campaign makes O(N) requests, so each made a campaign over N targets O(N²):

- subscriptions by parent: on every CREATE, UPDATE and RETRIEVE, ACME asks for the
  subscriptions of the resource concerned (`NotificationManager.checkSubscriptions`,
  the blocking update and retrieve checks), and a campaign keeps one subscription on
  each of its N `[software]`. At N = 10000 these scans were half of the CSE's CPU time.
- resources by type: on every DELETE, ACME's group manager looks for the `<group>`s
  that have the deleted resource as a member by scanning all resources for type
  `<group>` (`GroupManager.handleDeleteEvent`); a campaign deletes N subscriptions.
  Other lookups by type (`<notificationTargetPolicy>`, `<timeSyncBeacon>`, counts of
  children of a type) took the same scan.
- resources by CSE-ID and AE-ID: ACME finds its own `<CSEBase>` by its CSE-ID
  (`getCSE()`, e.g. for every NOTIFY it sends to a local resource), and the HTTP binding
  looks up the originator's AE or CSE by AE-ID and CSE-ID for many responses.

Here the binding keeps an index per table, field value -> document IDs in the order
they were written, built from the table on first use and kept in step by the methods
that write the table (insert or update, update, remove, purge). A lookup reads only
the documents the index names and applies ACME's own query to them, so it returns what
ACME's scan returns. Lookups by ID, and ACME's PostgreSQL binding (which has indexes of
its own), are unchanged.
"""

from __future__ import annotations

from typing import Any

from acmecse.plugins.database.TinyDBBinding import TinyDBBinding

RESOURCE_FIELDS = ("ty", "csi", "aei")
"""The resource fields ACME looks resources up by (besides the ID)."""

_UNINDEXABLE = object()
"""The key of documents whose field holds a value no lookup asks for (a list, a dict)."""


def _indexable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float))


class FieldIndex:
    """Document IDs of one table by the value of one field, each value's in write order."""

    def __init__(self, table: Any, field: str):
        self.table = table
        self.field = field
        self.ids: dict[Any, dict[str, None]] = {}
        self.value: dict[str, Any] = {}
        for document in table:
            self.put(str(document.doc_id), document.get(field))

    def put(self, doc_id: str, value: Any) -> bool:
        """Add a new document at the end; False if it is known with another value (ACME
        never changes a resource's type, CSE-ID or AE-ID, nor a subscription's parent;
        the index must then be built anew)."""
        if not _indexable(value):
            value = _UNINDEXABLE
        if doc_id in self.value:
            return self.value[doc_id] == value
        self.value[doc_id] = value
        self.ids.setdefault(value, {})[doc_id] = None
        return True

    def drop(self, doc_id: str) -> None:
        if doc_id not in self.value:
            return
        value = self.value.pop(doc_id)
        ids = self.ids[value]
        del ids[doc_id]
        if not ids:
            del self.ids[value]

    def count(self, value: Any) -> int:
        """How many documents `documents(value)` reads."""
        return len(self.ids.get(value, ())) if _indexable(value) else len(self.value)

    def documents(self, value: Any) -> list[Any]:
        """The stored documents whose field equals `value`."""
        if not _indexable(value):
            return [document for document in self.table if document.get(self.field) == value]
        found = (self.table.get(doc_id=doc_id) for doc_id in self.ids.get(value, ()))
        return [document for document in found if document is not None]


_indexes: dict[tuple[int, str], FieldIndex] = {}
"""(id(table), field) -> its index. The binding has `__slots__`, so the index cannot live
on it; a new table (a new binding, e.g. after a CSE reset) gets a new index."""


def _index(table: Any, field: str) -> FieldIndex:
    """The table's index of `field`; the caller holds the table's lock."""
    index = _indexes.get((id(table), field))
    if index is None or index.table is not table:
        index = _indexes[(id(table), field)] = FieldIndex(table, field)
    return index


def _record(table: Any, fields: tuple[str, ...], doc_id: str) -> None:
    """Bring the table's indexes of `fields` up to date with the stored document `doc_id`
    (read once); the caller holds the table's lock."""
    stored = table.get(doc_id=doc_id)
    for field in fields:
        index = _index(table, field)
        if stored is None:
            index.drop(doc_id)
        elif not index.put(doc_id, stored.get(field)):
            del _indexes[(id(table), field)]


def index_tinydb_lookups() -> None:
    """Give the binding its subscription index by parent and its resource indexes; once."""
    binding = TinyDBBinding
    if getattr(binding.searchSubscriptionReprs, "_swc_wrapped", False):
        return
    search_subscriptions = binding.searchSubscriptionReprs
    upsert_subscription = binding.upsertSubscriptionRepr
    remove_subscription = binding.removeSubscriptionRepr
    insert, upsert, update = binding.insertResource, binding.upsertResource, binding.updateResource
    delete, search_resources = binding.deleteResource, binding.searchResources
    has_resource = binding.hasResource
    by_fragment, purge = binding.searchByFragment, binding.purgeDB

    def searchSubscriptionReprs(self, ri=None, pi=None):  # noqa: N802 - ACME's names
        if ri or not pi:
            return search_subscriptions(self, ri=ri, pi=pi)
        with self.lockSubscriptions:
            return _index(self.tabSubscriptions, "pi").documents(pi)

    def upsertSubscriptionRepr(self, subscription, ri):  # noqa: N802
        done = upsert_subscription(self, subscription, ri)
        with self.lockSubscriptions:
            _record(self.tabSubscriptions, ("pi",), ri)
        return done

    def removeSubscriptionRepr(self, ri):  # noqa: N802
        done = remove_subscription(self, ri)
        with self.lockSubscriptions:
            _index(self.tabSubscriptions, "pi").drop(ri)
        return done

    def after_resource_write(write):
        def written(self, resource, ri):
            done = write(self, resource, ri)
            with self.lockResources:
                _record(self.tabResources, RESOURCE_FIELDS, ri)
            return done

        written.__name__ = write.__name__
        return written

    def deleteResource(self, ri):  # noqa: N802
        delete(self, ri)
        with self.lockResources:
            for field in RESOURCE_FIELDS:
                _index(self.tabResources, field).drop(ri)

    def having(self, fields, accept=None):
        """The resources with these values of indexed fields (read by the index of the
        field with the fewest), that `accept` takes."""
        with self.lockResources:
            indexes = [(_index(self.tabResources, field), value) for field, value in fields]
            index, value = min(indexes, key=lambda pair: pair[0].count(pair[1]))
            found = index.documents(value)
        return [document for document in found if accept is None or accept(document)]

    def searchResources(self, ri=None, csi=None, srn=None, pi=None, ty=None, aei=None):  # noqa: N802
        if srn or ri or (pi and ty is None):
            return search_resources(self, ri=ri, csi=csi, srn=srn, pi=pi, ty=ty, aei=aei)
        if csi:
            return having(self, [("csi", csi)])
        if pi:
            return having(self, [("ty", ty)], lambda document: document.get("pi") == pi)
        if ty is not None:
            return having(self, [("ty", ty)])
        if aei:
            return having(self, [("aei", aei)])
        return []

    def hasResource(self, ri=None, srn=None, ty=None):  # noqa: N802
        if srn or ri or ty is None:
            return has_resource(self, ri=ri, srn=srn, ty=ty)
        return bool(having(self, [("ty", ty)]))

    def searchByFragment(self, dct):  # noqa: N802
        fields = [(field, dct[field]) for field in RESOURCE_FIELDS if field in dct]
        if not fields:
            return by_fragment(self, dct)
        return having(self, fields, self.resourceQuery.fragment(dct))

    def purgeDB(self):  # noqa: N802
        purge(self)
        with self.lockResources:
            for field in RESOURCE_FIELDS:
                _indexes.pop((id(self.tabResources), field), None)
        with self.lockSubscriptions:
            _indexes.pop((id(self.tabSubscriptions), "pi"), None)

    wrappers = (
        searchSubscriptionReprs,
        upsertSubscriptionRepr,
        removeSubscriptionRepr,
        after_resource_write(insert),
        after_resource_write(upsert),
        after_resource_write(update),
        deleteResource,
        searchResources,
        hasResource,
        searchByFragment,
        purgeDB,
    )
    for wrapper in wrappers:
        wrapper._swc_wrapped = True
        setattr(binding, wrapper.__name__, wrapper)
