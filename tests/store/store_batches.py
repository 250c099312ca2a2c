"""Batch builder shared by the store tests (imported as a plain module)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pyarrow as pa

from aibridge.sources._base import Batch, Origin, indicator_table

Row = tuple[str, str, int, float] | tuple[str, str, int, float, str | None]


def make_batch(
    rows: Iterable[Row],
    *,
    vintage: str = "2020-01-01",
    source_id: str = "test",
    uri: str = "file:///data/test.csv",
    sha256: str = "0" * 64,
    aggregates: Iterable[str] = (),
) -> Batch:
    """A batch from (economy, indicator, year, value[, flag]) tuples."""
    rows = list(rows)
    obs = pa.table(
        {
            "economy": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "year": pa.array([r[2] for r in rows], pa.int16()),
            "value": pa.array([float(r[3]) for r in rows], pa.float64()),
            "flag": pa.array([r[4] if len(r) > 4 else None for r in rows], pa.string()),
        }
    )
    codes = sorted({r[1] for r in rows})
    return Batch(
        origin=Origin(
            source_id=source_id,
            uri=uri,
            sha256=sha256,
            vintage=vintage,
            retrieved_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            publisher="Test publisher",
            licence="CC BY 4.0",
        ),
        observations=obs,
        indicators=indicator_table(
            [{"code": c, "name": f"Indicator {c}", "unit": "%", "direction": 1} for c in codes]
        ),
        aggregates=frozenset(aggregates),
    )
