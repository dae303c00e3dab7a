"""The indexes of ACME's TinyDB binding answer exactly as ACME's scans do.

The binding's methods run here on real TinyDB tables in memory (ACME's own table
class), with an object that holds only what those methods use. Every indexed answer is
compared with a scan of the table by ACME's own query, after generated sequences of
writes, removals and purges, including documents stored before the index existed.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

from acmecse.helpers.TinyDBBetterTable import TinyDBBetterTable
from acmecse.plugins.database.TinyDBBinding import TinyDBBinding
from hypothesis import given, settings
from hypothesis import strategies as st
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from acme_swc_plugin.seam.indexes import index_tinydb_lookups

index_tinydb_lookups()

PARENTS = ["swr1", "swr2", "nod3", "cb"]
TYPES = [2, 5, 9, 16, 67]
TABLES = (
    "tabResources tabIdentifiers tabChildResources tabStructuredIDs tabSubscriptions "
    "tabBatchNotifications tabStatistics tabActions tabRequests tabSchedules tabOriginators"
).split()
IDS = [f"r{i}" for i in range(8)]


def binding():
    """What the binding's resource and subscription methods and purgeDB use, in memory."""
    database = TinyDB(storage=MemoryStorage)
    tables = {name: database.table(name) for name in TABLES}
    for table in tables.values():
        TinyDBBetterTable.assign(table)
    return SimpleNamespace(
        lockSubscriptions=threading.Lock(),
        lockResources=threading.Lock(),
        resourceQuery=Query(),
        **tables,
    )


def pairs(documents):
    return [(document.doc_id, dict(document)) for document in documents]


def scan(table, test):
    return pairs(document for document in table if test(document))


# Subscriptions by parent


def upsert_subscription(db, ri, pi, nu="http://127.0.0.1:9/a"):
    return TinyDBBinding.upsertSubscriptionRepr(db, {"ri": ri, "pi": pi, "nus": [nu]}, ri)


subscription_steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("upsert"),
            st.sampled_from(IDS),
            st.sampled_from(PARENTS),
            st.sampled_from(["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]),
        ),
        st.tuples(st.just("remove"), st.sampled_from([*IDS, "r9"])),
        st.tuples(st.just("purge")),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(before=subscription_steps, after=subscription_steps)
def test_subscriptions_by_parent_match_a_scan_of_the_table(before, after) -> None:
    db = binding()
    for ri, pi in (("old1", "swr1"), ("old2", "cb"), ("old3", "swr1")):
        db.tabSubscriptions.insert({"ri": ri, "pi": pi})  # written before the index existed

    for step in (*before, ("check",), *after):
        match step:
            case ("upsert", ri, pi, nu):
                assert upsert_subscription(db, ri, pi, nu)
            case ("remove", ri):
                TinyDBBinding.removeSubscriptionRepr(db, ri)
            case ("purge",):
                TinyDBBinding.purgeDB(db)
        for pi in PARENTS:
            found = pairs(TinyDBBinding.searchSubscriptionReprs(db, pi=pi))
            assert found == scan(db.tabSubscriptions, lambda d, pi=pi: d.get("pi") == pi)


def test_a_parent_without_subscriptions_has_none_and_a_removed_one_is_gone() -> None:
    db = binding()
    upsert_subscription(db, "sub1", "swr1")
    upsert_subscription(db, "sub2", "swr1")

    assert TinyDBBinding.searchSubscriptionReprs(db, pi="swr9") == []
    assert TinyDBBinding.removeSubscriptionRepr(db, "sub1") is True
    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(db, pi="swr1")] == ["sub2"]
    assert TinyDBBinding.removeSubscriptionRepr(db, "sub1") is False


def test_a_lookup_by_subscription_ri_is_acme_s_own() -> None:
    db = binding()
    upsert_subscription(db, "sub1", "swr1")

    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(db, ri="sub1")] == ["sub1"]
    assert TinyDBBinding.searchSubscriptionReprs(db) is None


def test_a_new_table_gets_a_new_index() -> None:
    first, second = binding(), binding()
    upsert_subscription(first, "sub1", "swr1")

    assert TinyDBBinding.searchSubscriptionReprs(second, pi="swr1") == []
    upsert_subscription(second, "sub2", "swr1")
    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(first, pi="swr1")] == ["sub1"]
    assert [d["ri"] for d in TinyDBBinding.searchSubscriptionReprs(second, pi="swr1")] == ["sub2"]


# Resources by type


def resource(ri, ty, pi, lbl):
    """A resource; CSEs (5, 16) have a CSE-ID, AEs (2) an AE-ID, each from few values."""
    document = {"ri": ri, "ty": ty, "pi": pi, "lbl": [lbl], "mid": [f"r{lbl}"]}
    if ty in (5, 16):
        document["csi"] = f"/id-{lbl}"
    if ty == 2:
        document["aei"] = [f"C{lbl}"] if lbl == "3" else f"C{lbl}"  # a list: not indexable
    return document


resource_steps = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["insert", "upsert", "update"]),
            st.sampled_from(IDS),
            st.sampled_from(TYPES),
            st.sampled_from(PARENTS),
            st.sampled_from(["1", "2", "3"]),
        ),
        st.tuples(st.just("delete"), st.sampled_from([*IDS, "r9"])),
        st.tuples(st.just("purge")),
    ),
    max_size=40,
)


def write(db, step) -> None:
    """One resource write as ACME makes it: insert only new, update only stored ones,
    and never with another type."""
    match step:
        case (kind, ri, ty, pi, lbl):
            stored = db.tabResources.get(doc_id=ri)
            if stored is not None:
                ty = stored["ty"]
            if kind == "insert" and stored is None:
                TinyDBBinding.insertResource(db, resource(ri, ty, pi, lbl), ri)
            elif kind == "upsert":
                TinyDBBinding.upsertResource(db, resource(ri, ty, pi, lbl), ri)
            elif kind == "update" and stored is not None:
                TinyDBBinding.updateResource(db, {"lbl": [lbl], "mid": None}, ri)
        case ("delete", ri):
            TinyDBBinding.deleteResource(db, ri)
        case ("purge",):
            TinyDBBinding.purgeDB(db)


@settings(max_examples=300, deadline=None)
@given(before=resource_steps, after=resource_steps)
def test_resources_by_type_match_a_scan_of_the_table(before, after) -> None:
    db = binding()
    for ri, ty in (("old1", 9), ("old2", 67), ("old3", 5)):
        db.tabResources.insert(resource(ri, ty, "cb", "1"))  # before the index existed

    for step in (*before, ("check",), *after):
        write(db, step)
        for ty in TYPES:
            of_type = scan(db.tabResources, lambda d, ty=ty: d.get("ty") == ty)
            assert pairs(TinyDBBinding.searchResources(db, ty=ty)) == of_type
            assert TinyDBBinding.hasResource(db, ty=ty) is bool(of_type)
            for fragment in ({"ty": ty}, {"ty": ty, "lbl": ["1"]}, {"ty": ty, "pi": "cb"}):
                assert pairs(TinyDBBinding.searchByFragment(db, fragment)) == pairs(
                    db.tabResources.search(Query().fragment(fragment))
                )
            for pi in PARENTS:
                assert pairs(TinyDBBinding.searchResources(db, pi=pi, ty=ty)) == scan(
                    db.tabResources, lambda d, ty=ty, pi=pi: d.get("ty") == ty and d["pi"] == pi
                )
        for lbl in ("1", "2", "3"):
            for field, value in (("csi", f"/id-{lbl}"), ("aei", f"C{lbl}"), ("aei", [f"C{lbl}"])):
                fragment = {field: value}
                expected = pairs(db.tabResources.search(Query().fragment(fragment)))
                assert pairs(TinyDBBinding.searchByFragment(db, fragment)) == expected
                assert pairs(TinyDBBinding.searchResources(db, **fragment)) == expected


def test_lookups_by_id_and_other_fields_are_acme_s_own() -> None:
    db = binding()
    TinyDBBinding.insertResource(db, {"ri": "grp1", "ty": 9, "pi": "cb", "aei": "Cx"}, "grp1")

    assert [d["ri"] for d in TinyDBBinding.searchResources(db, ri="grp1", ty=67)] == ["grp1"]
    assert [d["ri"] for d in TinyDBBinding.searchResources(db, aei="Cx")] == ["grp1"]
    assert [d["ri"] for d in TinyDBBinding.searchByFragment(db, {"aei": "Cx"})] == ["grp1"]
    assert TinyDBBinding.hasResource(db, ri="grp1") is True
    assert TinyDBBinding.searchResources(db) == []
