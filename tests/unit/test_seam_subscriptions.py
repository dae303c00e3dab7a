"""The subscription index of ACME's TinyDB binding answers exactly as ACME's scan does.

The binding's subscription methods run here on a real TinyDB table in memory (ACME's
own table class), with an object that holds only what those methods use. Every answer
by parent is compared with a scan of the table, after generated sequences of inserts,
updates, removals and purges.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from acmecse.helpers.TinyDBBetterTable import TinyDBBetterTable
from acmecse.plugins.database.TinyDBBinding import TinyDBBinding
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import TinyDB
from tinydb.storages import MemoryStorage

from acme_swc_plugin.seam.subscriptions import index_subscriptions_by_parent

index_subscriptions_by_parent()

PARENTS = ["swr1", "swr2", "nod3", "cb"]
TABLES = (
    "tabResources tabIdentifiers tabChildResources tabStructuredIDs tabSubscriptions "
    "tabBatchNotifications tabStatistics tabActions tabRequests tabSchedules tabOriginators"
).split()


def binding():
    """What the binding's subscription methods and purgeDB use, on memory tables."""
    database = TinyDB(storage=MemoryStorage)
    tables = {name: database.table(name) for name in TABLES}
    for table in tables.values():
        TinyDBBetterTable.assign(table)
    return SimpleNamespace(lockSubscriptions=threading.Lock(), **tables)


def by_parent(db, pi):
    return [(d.doc_id, dict(d)) for d in TinyDBBinding.searchSubscriptionReprs(db, pi=pi)]


def scanned(db, pi):
    return [(d.doc_id, dict(d)) for d in db.tabSubscriptions if d.get("pi") == pi]


def upsert(db, ri, pi, nu="http://127.0.0.1:9/a"):
    return TinyDBBinding.upsertSubscriptionRepr(db, {"ri": ri, "pi": pi, "nus": [nu]}, ri)


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("upsert"),
            st.sampled_from([f"sub{i}" for i in range(8)]),
            st.sampled_from(PARENTS),
            st.sampled_from(["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]),
        ),
        st.tuples(st.just("remove"), st.sampled_from([f"sub{i}" for i in range(9)])),
        st.tuples(st.just("purge")),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(before=operations, after=operations)
def test_lookups_by_parent_match_a_scan_of_the_table(before, after) -> None:
    db = binding()
    for ri, pi in (("old1", "swr1"), ("old2", "cb"), ("old3", "swr1")):
        db.tabSubscriptions.insert({"ri": ri, "pi": pi})  # written before the index existed

    for step in (*before, ("check",), *after):
        match step:
            case ("upsert", ri, pi, nu):
                assert upsert(db, ri, pi, nu)
            case ("remove", ri):
                TinyDBBinding.removeSubscriptionRepr(db, ri)
            case ("purge",):
                TinyDBBinding.purgeDB(db)
        for pi in PARENTS:
            assert by_parent(db, pi) == scanned(db, pi)


def test_a_parent_without_subscriptions_has_none_and_a_removed_one_is_gone() -> None:
    db = binding()
    upsert(db, "sub1", "swr1")
    upsert(db, "sub2", "swr1")

    assert TinyDBBinding.searchSubscriptionReprs(db, pi="swr9") == []
    assert TinyDBBinding.removeSubscriptionRepr(db, "sub1") is True
    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(db, pi="swr1")] == ["sub2"]
    assert TinyDBBinding.removeSubscriptionRepr(db, "sub1") is False


def test_a_lookup_by_subscription_ri_is_acme_s_own() -> None:
    db = binding()
    upsert(db, "sub1", "swr1")

    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(db, ri="sub1")] == ["sub1"]
    assert TinyDBBinding.searchSubscriptionReprs(db) is None


def test_a_new_table_gets_a_new_index() -> None:
    first, second = binding(), binding()
    upsert(first, "sub1", "swr1")

    assert by_parent(second, "swr1") == []
    upsert(second, "sub2", "swr1")
    assert [ri for ri, _ in by_parent(first, "swr1")] == ["sub1"]
    assert [ri for ri, _ in by_parent(second, "swr1")] == ["sub2"]
