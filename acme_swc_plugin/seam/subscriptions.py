"""Find a resource's subscriptions in ACME's TinyDB without scanning every subscription.

On every CREATE, UPDATE and RETRIEVE, ACME asks its database for the subscriptions of
the resource concerned (`NotificationManager.checkSubscriptions` and the blocking
update and retrieve checks). ACME's TinyDB binding (memory and file databases) answers
by scanning its whole subscription table. A campaign keeps a subscription on each of
its N `[software]`, so each of the campaign's own requests costs O(N) and a campaign
O(N²): at N = 10000 these scans were half of the Hosting CSE's CPU time.

Here the binding keeps an index, parent `ri` -> subscription `ri`s in table order,
built from the table on first use and kept in step by the only methods that write the
table (insert or update, remove, purge), under the binding's own lock. A lookup then
reads just the parent's subscriptions, the same documents in the same order as ACME's
scan. Lookups by subscription `ri`, and ACME's PostgreSQL binding (which has an index
of its own), are unchanged.
"""

from __future__ import annotations

from typing import Any

from acmecse.plugins.database.TinyDBBinding import TinyDBBinding


class ParentIndex:
    """Subscription `ri`s by parent `ri`, each parent's in the order of the table."""

    def __init__(self, table: Any):
        self.table = table
        self.children: dict[str, dict[str, None]] = {}
        self.parent: dict[str, str] = {}
        for document in table:
            self.put(str(document.doc_id), document.get("pi"))

    def put(self, ri: str, pi: str | None) -> bool:
        """Add a new subscription at the end; False if `ri` is known with another parent
        (ACME never moves a subscription; the index must then be built anew to keep the
        table's order)."""
        if ri in self.parent:
            return self.parent[ri] == pi
        self.parent[ri] = pi
        self.children.setdefault(pi, {})[ri] = None
        return True

    def drop(self, ri: str) -> None:
        if ri not in self.parent:
            return
        pi = self.parent.pop(ri)
        children = self.children[pi]
        del children[ri]
        if not children:
            del self.children[pi]


_indexes: dict[int, ParentIndex] = {}
"""id(subscription table) -> its index. The binding has `__slots__`, so the index cannot
live on it; a new table (a new binding, e.g. after a CSE reset) gets a new index."""


def _index(binding: Any) -> ParentIndex:
    """The binding's index; the caller holds `binding.lockSubscriptions`."""
    table = binding.tabSubscriptions
    index = _indexes.get(id(table))
    if index is None or index.table is not table:
        index = _indexes[id(table)] = ParentIndex(table)
    return index


def index_subscriptions_by_parent() -> None:
    """Replace the binding's subscription lookup by parent and its writes; once."""
    if getattr(TinyDBBinding.searchSubscriptionReprs, "_swc_wrapped", False):
        return
    search, upsert = TinyDBBinding.searchSubscriptionReprs, TinyDBBinding.upsertSubscriptionRepr
    remove, purge = TinyDBBinding.removeSubscriptionRepr, TinyDBBinding.purgeDB

    def searchSubscriptionReprs(self, ri=None, pi=None):  # noqa: N802 - ACME's name
        if ri or not pi:
            return search(self, ri=ri, pi=pi)
        with self.lockSubscriptions:
            table = self.tabSubscriptions
            found = [table.get(doc_id=child) for child in _index(self).children.get(pi, ())]
            return [document for document in found if document is not None]

    def upsertSubscriptionRepr(self, subscription, ri):  # noqa: N802 - ACME's name
        done = upsert(self, subscription, ri)
        with self.lockSubscriptions:
            stored = self.tabSubscriptions.get(doc_id=ri)
            if stored is not None and not _index(self).put(ri, stored.get("pi")):
                del _indexes[id(self.tabSubscriptions)]
        return done

    def removeSubscriptionRepr(self, ri):  # noqa: N802 - ACME's name
        done = remove(self, ri)
        with self.lockSubscriptions:
            _index(self).drop(ri)
        return done

    def purgeDB(self):  # noqa: N802 - ACME's name
        purge(self)
        with self.lockSubscriptions:
            _indexes.pop(id(self.tabSubscriptions), None)

    for wrapper in (searchSubscriptionReprs, upsertSubscriptionRepr, removeSubscriptionRepr):
        wrapper._swc_wrapped = True
        setattr(TinyDBBinding, wrapper.__name__, wrapper)
    TinyDBBinding.purgeDB = purgeDB
