"""Frictionless data packages: export, validate, import back (round trip)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import frictionless
import pytest

from aibridge.errors import SourceFormatError
from aibridge.sources.datapackage import DataPackageSource, export_datapackage
from aibridge.store import Store

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
from store_batches import make_batch

KEY = ["economy", "indicator", "year", "value", "flag", "source_id", "vintage"]


@pytest.fixture
def filled() -> Store:
    store = Store()
    store.ingest(
        make_batch(
            [
                ("KEN", "IT.NET.USER.ZS", 2015, 16.6, "E"),
                ("KEN", "IT.NET.USER.ZS", 2016, 0.1 + 0.2),
                ("WLD", "IT.NET.USER.ZS", 2016, 45.0),
                ("NAM", "SE.TER.ENRR", 2019, 27.7483100891113),
            ],
            aggregates={"WLD"},
        )
    )
    store.ingest(
        make_batch(
            [("KEN", "IT.NET.USER.ZS", 2016, 17.9), ("UGA", "X.Y", 2020, -1e-300, "P")],
            vintage="2024-06-28",
            uri="https://api.worldbank.org/v2/x",
            sha256="f" * 64,
            source_id="other",
        )
    )
    return store


def frame(store: Store, **kw: object):
    return store.observations(**kw).to_pandas()[KEY]  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("history", [False, True])
def test_round_trip_identical(filled: Store, tmp_path: Path, fmt: str, history: bool) -> None:
    path = export_datapackage(filled, tmp_path / "pkg", format=fmt, history=history)  # type: ignore[arg-type]
    with Store() as empty:
        report = empty.ingest_many(DataPackageSource().read(path.parent))
        assert report.unknown_codes == []
        assert frame(empty).equals(frame(filled))  # values bit-for-bit, flags, vintages
        if history:
            assert frame(empty, as_of="2020").equals(frame(filled, as_of="2020"))
            assert empty.status().observations == filled.status().observations
        cols = ["source_id", "vintage", "uri", "sha256", "retrieved_at", "licence"]
        assert empty.origins()[cols].equals(filled.origins()[cols])
        assert bool(
            empty.economies(include_aggregates=True).set_index("iso3").loc["WLD", "is_aggregate"]
        )
        assert empty.indicator("SE.TER.ENRR")["name"] == "Indicator SE.TER.ENRR"
        again = empty.ingest_many(DataPackageSource().read(path))
        assert again.written == 0


def test_descriptor_is_valid_frictionless(filled: Store, tmp_path: Path) -> None:
    path = export_datapackage(filled, tmp_path, economies=["KEN"])
    assert frictionless.validate(str(path)).valid
    descriptor = json.loads(path.read_text())
    obs = next(r for r in descriptor["resources"] if r["name"] == "observations")
    assert obs["schema"]["primaryKey"] == ["economy", "indicator", "year"]
    assert {f["name"] for f in obs["schema"]["fields"]} >= {"economy", "flag", "origin_id"}
    assert descriptor["licenses"][0]["title"] == "CC BY 4.0"
    rows = (tmp_path / "data" / "observations.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 and all(r.startswith("KEN,") for r in rows[1:])


def test_corrupt_package_rejected_with_row_and_field(filled: Store, tmp_path: Path) -> None:
    path = export_datapackage(filled, tmp_path)
    data = tmp_path / "data" / "observations.csv"
    lines = data.read_text().splitlines()
    parts = lines[1].split(",")
    parts[3] = "not-a-number"
    lines[1] = ",".join(parts)
    data.write_text("\n".join(lines) + "\n")
    with pytest.raises(SourceFormatError, match=r"line 2, column 'value'.*resource 'observations'"):
        list(DataPackageSource().read(path))


def test_not_an_aibridge_package(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    (tmp_path / "datapackage.json").write_text(
        json.dumps({"name": "x", "resources": [{"name": "t", "path": "t.csv", "format": "csv"}]})
    )
    with pytest.raises(SourceFormatError, match="no 'observations' resource"):
        list(DataPackageSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_data_round_trip(shared_data: Path, tmp_path: Path) -> None:
    from aibridge.sources.wdi_bulk import WdiBulkSource

    with Store() as store:
        store.ingest_many(WdiBulkSource().read(shared_data / "wdi-recent"))
        path = export_datapackage(store, tmp_path, history=True)
        with Store() as empty:
            empty.ingest_many(DataPackageSource().read(path))
            assert frame(empty).equals(frame(store))
            assert len(frame(empty)) == 3198 + 8699 + 2475
