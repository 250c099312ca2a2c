"""Invariants, checked with hypothesis: import order does not matter, re-import is a no-op,
``as_of`` equals a brute-force replay of the vintages."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from store_batches import make_batch

from aibridge.sources._base import Batch
from aibridge.store import Store

ECONOMIES = ["KEN", "UGA", "TZA"]
INDICATORS = ["A.X", "B.Y"]
LABELS = ["2019", "2020-06", "2021-01-15", "2022", "2023-12-31"]

keys = st.tuples(st.sampled_from(ECONOMIES), st.sampled_from(INDICATORS), st.integers(2000, 2003))
values = st.floats(allow_nan=False, allow_infinity=False, width=64)
flags = st.sampled_from([None, None, "E", "P"])
batch_rows = st.dictionaries(keys, st.tuples(values, flags), min_size=1, max_size=10)


@st.composite
def batch_sets(draw: st.DrawFn) -> tuple[list[dict[Any, Any]], list[str], list[str], list[int]]:
    rows = draw(st.lists(batch_rows, min_size=1, max_size=4))
    labels = draw(st.permutations(LABELS))[: len(rows)]
    sources = [draw(st.sampled_from(["src-a", "src-b"])) for _ in rows]
    order = draw(st.permutations(range(len(rows))))
    return rows, labels, sources, order


def to_batches(rows: list[dict[Any, Any]], labels: list[str], sources: list[str]) -> list[Batch]:
    return [
        make_batch(
            [(e, i, y, v, f) for (e, i, y), (v, f) in sorted(r.items())],
            vintage=label,
            source_id=source,
            sha256=f"{n:064d}",
            uri=f"/data/{n}.csv",
        )
        for n, (r, label, source) in enumerate(zip(rows, labels, sources, strict=True))
    ]


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Store content without the ids, which depend on import order by design."""
    q = {
        "current": "SELECT economy, indicator, year, value, flag, source_id, vintage FROM current",
        "latest": "SELECT economy, indicator, year, value, flag, source_id, vintage FROM latest",
        "history": "SELECT economy, indicator, year, value, flag, source_id, vintage FROM history",
        "origins": "SELECT source_id, vintage, uri, sha256 FROM origins",
        "indicators": "SELECT code, name, unit FROM indicators",
        "economies": "SELECT iso3, is_aggregate FROM economies",
    }
    return {k: sorted(store.con.sql(sql).fetchall(), key=repr) for k, sql in q.items()}


@settings(max_examples=15, deadline=None)
@given(batch_sets())
def test_import_order_does_not_change_the_store(data: Any) -> None:
    rows, labels, sources, order = data
    batches = to_batches(rows, labels, sources)
    with Store() as one, Store() as two:
        for b in batches:
            one.ingest(b)
        for n in order:
            two.ingest(batches[n])
        assert snapshot(one) == snapshot(two)


@settings(max_examples=15, deadline=None)
@given(batch_sets())
def test_reimport_is_a_noop(data: Any) -> None:
    rows, labels, sources, order = data
    batches = to_batches(rows, labels, sources)
    with Store() as store:
        store.ingest_many(batches)
        before = snapshot(store)
        for n in order:
            report = store.ingest(batches[n])
            assert report.written == 0 and report.inserted == 0
        assert snapshot(store) == before


@settings(max_examples=15, deadline=None)
@given(batch_sets(), st.sampled_from(LABELS))
def test_as_of_matches_a_brute_force_replay(data: Any, cutoff: str) -> None:
    rows, labels, sources, order = data
    batches = to_batches(rows, labels, sources)
    with Store() as store:
        for n in order:
            store.ingest(batches[n])
        expected: dict[tuple[str, str, int], tuple[tuple[str, str], float, str | None]] = {}
        for r, label, source in zip(rows, labels, sources, strict=True):
            if label > cutoff and not label.startswith(cutoff):
                continue
            for key, (value, flag) in r.items():
                rank = (label, source)
                if key not in expected or expected[key][0] < rank:
                    expected[key] = (rank, value, flag)
        got = {
            (r["economy"], r["indicator"], r["year"]): (r["value"], r["flag"], r["vintage"])
            for r in store.observations(as_of=cutoff).to_pylist()
        }
        assert got == {k: (v, f, rank[0]) for k, (rank, v, f) in expected.items()}
        # latest_values is the most recent year of the current values
        for economy in ECONOMIES:
            now = store.observations(economy, latest=True).to_pylist()
            fast = store.latest_values(economy).to_pylist() if now else []
            assert fast == now
