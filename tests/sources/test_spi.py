"""SPI first-release importer: tiny fixture + the real file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources.spi import SpiSource

TINY = (
    "country,iso3c,date,SPI.INDEX.PIL1,SPI.INDEX,SPI.DIM5.1.INDEX,SPI.D1.5.POV,income,region,"
    "weights,population\n"
    "Norway,NOR,2019,100,90.09375,1,1,High income,Europe & Central Asia,1,5347896\n"
    "Kenya,KEN,2019,80,NA,-99,0.5,Lower middle income,Sub-Saharan Africa,1,52573967\n"
    "Nowhere,XYZ,2019,10,20,0.1,0.2,,,1,1\n"
)


def as_dict(batch) -> dict[tuple[str, str, int], float]:
    return {
        (r["economy"], r["indicator"], r["year"]): r["value"]
        for r in batch.observations.to_pylist()
    }


def test_tiny(tmp_path: Path) -> None:
    (tmp_path / "SPI_index.csv").write_text(TINY, encoding="utf-8-sig")
    (tmp_path / "index description.csv").write_text(
        "SPI.INDEX,numeric,SPI Overall Score,Num: 11.77 to 90.468\n"
        "SPI.INDEX.PIL1,numeric,Pillar 1  - Data Use – Score,Num: 0 to 100\n",
        encoding="utf-8-sig",
    )
    batch = next(SpiSource().read(tmp_path))
    assert as_dict(batch) == {
        ("NOR", "SPI.INDEX.PIL1", 2019): 100.0,
        ("NOR", "SPI.INDEX", 2019): 90.09375,
        ("NOR", "SPI.DIM5.1.INDEX", 2019): 1.0,
        ("NOR", "SPI.D1.5.POV", 2019): 1.0,
        ("KEN", "SPI.INDEX.PIL1", 2019): 80.0,
        ("KEN", "SPI.D1.5.POV", 2019): 0.5,  # NA and -99 are missing
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("XYZ", 1)]
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert set(meta) == {"SPI.INDEX.PIL1", "SPI.INDEX", "SPI.DIM5.1.INDEX", "SPI.D1.5.POV"}
    assert meta["SPI.INDEX"]["name"] == "SPI Overall Score"
    assert meta["SPI.INDEX"]["unit"] == "score (0-100)"
    assert meta["SPI.D1.5.POV"]["unit"] == "score (0-1)"
    assert meta["SPI.DIM5.1.INDEX"]["topic"] == "Statistical performance: pillar 5"
    assert batch.origin.vintage == "2021"


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        next(SpiSource().read(tmp_path))
    (tmp_path / "SPI_index.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SourceFormatError, match="lacks column"):
        next(SpiSource().read(tmp_path))
    (tmp_path / "SPI_index.csv").write_text("country,iso3c,date,SPI.INDEX\nKenya,KEN,2019,high\n")
    with pytest.raises(SourceFormatError, match="number or NA"):
        next(SpiSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_spi(shared_data: Path) -> None:
    folder = shared_data / "wb-spi-2021"
    batch = next(SpiSource().read(folder))
    frame = pd.read_csv(folder / "SPI_index.csv", encoding="utf-8-sig")
    scores = [c for c in frame.columns if c.startswith("SPI.")]
    assert len(scores) == 72
    values = frame[scores].where(frame[scores] != -99)
    assert batch.observations.num_rows == int(values.notna().sum().sum())
    assert not batch.unknown_codes
    obs = batch.observations.to_pandas()
    overall = obs[obs.indicator == "SPI.INDEX"].groupby("year").size().to_dict()
    assert overall == {2016: 167, 2017: 174, 2018: 174, 2019: 174}  # README coverage
    assert obs.economy.nunique() == 218
    assert obs[obs.indicator == "SPI.INDEX"].value.between(11.77 - 0.001, 90.468 + 0.001).all()
    # the overall score is the mean of the five pillar scores
    wide = (
        obs[obs.indicator.str.match(r"SPI\.INDEX(\.PIL\d)?$")]
        .pivot_table(index=["economy", "year"], columns="indicator", values="value")
        .dropna()
    )
    pillars = wide[[f"SPI.INDEX.PIL{i}" for i in range(1, 6)]].mean(axis=1)
    assert np.allclose(wide["SPI.INDEX"], pillars, atol=1e-6)
    got = as_dict(batch)
    assert got[("NOR", "SPI.INDEX", 2019)] == 90.09375
    assert got[("NOR", "SPI.INDEX.PIL2", 2019)] == pytest.approx(92.23333333)
    names = dict(zip(batch.indicators.column("code").to_pylist(),
                     batch.indicators.column("name").to_pylist(), strict=True))  # fmt: skip
    assert names["SPI.INDEX.PIL5"] == "Pillar 5 – Data Infrastructure – Score"
