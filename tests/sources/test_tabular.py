"""The shared batch assembly of the file importers (sources/_tabular.py)."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from aibridge.sources._base import OBSERVATION_SCHEMA, Batch, UnknownCode
from aibridge.sources._tabular import (
    EconomyMapper,
    EconomyMetadataBatch,
    Release,
    aggregate_updates,
    arrow_observations,
    file_batch,
    map_economy_column,
    observations,
)

RELEASE = Release("test-src", "2024-01-31", "Test publisher", "CC BY 4.0")


def _file(tmp_path: Path) -> Path:
    file = tmp_path / "data.csv"
    file.write_text("iso,value\nKE,1\n")
    os.utime(file, (1_700_000_000, 1_700_000_000))
    return file


def test_file_batch_assembles_origin_unknown_codes_and_aggregates(tmp_path: Path) -> None:
    file = _file(tmp_path)
    mapper = EconomyMapper(where=str(file))
    economies = mapper.map(["KE", "WLD", "ZZZ", "ZZZ", "KE"])
    batch = file_batch(
        file,
        RELEASE,
        title="Test data",
        observations=observations(economies, ["T.x"] * 5, [2020] * 5, [1, 2, 3, 4, 5]),
        indicators=[{"code": "T.x", "name": "x"}],
        economies=mapper,
        unknown_codes=[UnknownCode("<no country>", str(file), 2)],
        aggregates=["EUU"],
    )
    assert type(batch) is Batch
    origin = batch.origin
    assert (origin.source_id, origin.vintage, origin.publisher, origin.licence, origin.title) == (
        "test-src",
        "2024-01-31",
        "Test publisher",
        "CC BY 4.0",
        "Test data",
    )
    assert origin.uri == str(file.resolve())
    assert origin.sha256 == hashlib.sha256(file.read_bytes()).hexdigest()
    assert origin.retrieved_at == datetime.fromtimestamp(1_700_000_000, UTC)  # the file's mtime
    assert batch.observations.num_rows == 3  # the two ZZZ rows are reported, not loaded
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("ZZZ", 2), ("<no country>", 2)]
    assert batch.aggregates == {"WLD", "EUU"}
    assert batch.indicators.column("code").to_pylist() == ["T.x"]


def test_file_batch_with_economy_updates_carries_them(tmp_path: Path) -> None:
    file = _file(tmp_path)
    updates = aggregate_updates({"ZZ1": "Group one"})
    batch = file_batch(
        file,
        RELEASE,
        title="t",
        observations=OBSERVATION_SCHEMA.empty_table(),
        indicators=[],
        economy_updates=updates,
    )
    assert isinstance(batch, EconomyMetadataBatch)
    assert batch.economy_updates is updates
    assert batch.unknown_codes == [] and batch.aggregates == frozenset()


def test_map_economy_column_names_file_and_column(tmp_path: Path) -> None:
    file = tmp_path / "x.csv"
    mapped = map_economy_column(pa.array(["KEN", "ROM", "XXX", None]), file=file, column="iso")
    assert mapped.codes.to_pylist() == ["KEN", "ROU", None, None]
    assert mapped.keep.to_pylist() == [True, True, False, False]
    assert [(u.code, u.where, u.rows) for u in mapped.unknown_codes()] == [
        ("<empty>", f"{file} column 'iso'", 1),
        ("XXX", f"{file} column 'iso'", 1),
    ]


def test_arrow_observations_filters_and_broadcasts_a_code() -> None:
    mask = pa.array([True, None, False, True])
    table = arrow_observations(
        mask,
        economy=pa.array(["KEN", "UGA", "TZA", "RWA"]),
        indicator="T.x",
        year=pa.array([2020, 2021, 2022, 2023], pa.int64()),
        value=pa.array([1, 2, 3, 4], pa.int64()),
    )
    assert table.schema.equals(OBSERVATION_SCHEMA)
    assert table.to_pylist() == [
        {"economy": "KEN", "indicator": "T.x", "year": 2020, "value": 1.0, "flag": None},
        {"economy": "RWA", "indicator": "T.x", "year": 2023, "value": 4.0, "flag": None},
    ]
    codes = arrow_observations(
        pa.array([False, True]),
        economy=pa.array(["KEN", "UGA"]),
        indicator=pa.array(["A", "B"]),
        year=pa.array([2020, 2021], pa.int16()),
        value=pa.array([1.0, 2.0]),
    )
    assert codes.column("indicator").to_pylist() == ["B"]
