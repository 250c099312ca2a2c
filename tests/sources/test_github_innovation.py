"""GitHub Innovation Graph importer: quarterly -> annual rules."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.errors import SourceFormatError
from aibridge.sources.github_innovation import GithubInnovationGraphSource, annualise

METRICS = ("developers", "organizations", "repositories", "git_pushes")


def _write(folder: Path, metric: str, rows: list[tuple[int, str, int, int]]) -> None:
    lines = [f"{metric},iso2_code,year,quarter"] + [f"{v},{c},{y},{q}" for v, c, y, q in rows]
    (folder / f"{metric}.csv").write_text("\n".join(lines) + "\n")


def test_annualise_rules() -> None:
    econ = np.array(["KEN"] * 4 + ["UGA"] * 2, dtype=object)
    year = np.array([2024] * 4 + [2025] * 2)
    quarter = np.array([1, 2, 3, 4, 1, 2])
    value = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0])
    _, _, v, f = annualise(econ, year, quarter, value, "sum")
    assert list(v) == [10.0, 60.0] and list(f) == [None, "E"]  # 30 * 4 / 2
    _, _, v, f = annualise(econ, year, quarter, value, "last")
    assert list(v) == [4.0, 20.0] and list(f) == [None, "P"]
    with pytest.raises(ValueError, match="rule"):
        annualise(econ, year, quarter, value, "median")


def test_reads_iso2_with_namibia_and_eu_aggregate(tmp_path: Path) -> None:
    rows = [(q * 10, c, 2024, q) for c in ("NA", "EU", "XK") for q in (1, 2, 3, 4)]
    rows.append((5, "ZZ", 2024, 1))
    for metric in METRICS:
        _write(tmp_path, metric, rows)
    batches = list(GithubInnovationGraphSource().read(tmp_path))
    assert len(batches) == 4
    dev = {(r["economy"], r["year"]): r["value"] for r in batches[0].observations.to_pylist()}
    assert dev == {("NAM", 2024): 40.0, ("EUU", 2024): 40.0, ("XKX", 2024): 40.0}
    pushes = {r["economy"]: r["value"] for r in batches[3].observations.to_pylist()}
    assert pushes["NAM"] == 100.0
    assert batches[0].aggregates == {"EUU"}
    assert [(u.code, u.rows) for u in batches[0].unknown_codes] == [("ZZ", 1)]
    assert "Q4" in batches[0].indicators.column("description")[0].as_py()


def test_duplicate_quarter_is_an_error(tmp_path: Path) -> None:
    for metric in METRICS:
        _write(tmp_path, metric, [(1, "KE", 2024, 1), (2, "KE", 2024, 1)])
    with pytest.raises(SourceFormatError, match=r"line 3.*duplicate"):
        list(GithubInnovationGraphSource().read(tmp_path))


@pytest.mark.shared_data
def test_real_files_import_completely(shared_data: Path) -> None:
    folder = shared_data / "github-innovation-graph"
    batches = {
        b.indicators.column("code")[0].as_py(): b
        for b in GithubInnovationGraphSource().read(folder)
    }
    assert set(batches) == {f"GH.{m}" for m in METRICS}
    for metric in METRICS:
        with (folder / f"{metric}.csv").open(encoding="utf-8", newline="") as fh:
            raw = list(csv.DictReader(fh))
        quarters: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
        for r in raw:
            quarters[(r["iso2_code"], int(r["year"]))][int(r["quarter"])] = float(r[metric])
        batch = batches[f"GH.{metric}"]
        assert batch.unknown_codes == []
        assert batch.observations.num_rows == len(quarters)  # one row per economy-year
        got = {(r["economy"], r["year"]): r for r in batch.observations.to_pylist()}
        us_2024 = quarters[("US", 2024)]
        if metric == "git_pushes":
            assert got[("USA", 2024)]["value"] == sum(us_2024.values())
            assert got[("USA", 2025)]["flag"] == "E"
        else:
            assert got[("USA", 2024)]["value"] == us_2024[4]
            assert got[("USA", 2025)]["value"] == quarters[("US", 2025)][3]
            assert got[("USA", 2025)]["flag"] == "P"
        assert got[("NAM", 2024)]["value"] > 0  # Namibia's "NA" survived
        assert "EUU" in batch.aggregates
    dev = {
        (r["economy"], r["year"]): r["value"]
        for r in batches["GH.developers"].observations.to_pylist()
    }
    assert dev[("USA", 2025)] == pytest.approx(28.6e6, rel=0.01)  # README: US 28.6 M in 2025Q3


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.tuples(
            st.sampled_from(["KEN", "UGA", "NAM"]), st.integers(2020, 2025), st.integers(1, 4)
        ),
        st.integers(0, 10**9),
        min_size=1,
        max_size=40,
    )
)
def test_annualise_properties(cells: dict[tuple[str, int, int], int]) -> None:
    keys = sorted(cells)
    econ = np.array([k[0] for k in keys], dtype=object)
    year = np.array([k[1] for k in keys])
    quarter = np.array([k[2] for k in keys])
    value = np.array([float(cells[k]) for k in keys])
    groups: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    for (e, y, q), v in cells.items():
        groups[(e, y)][q] = float(v)
    e, y, v, f = annualise(econ, year, quarter, value, "sum")
    assert len(v) == len(groups)  # one row per economy-year, whatever the order of quarters
    for e_, y_, v_, f_ in zip(e, y, v, f, strict=True):
        quarters = groups[(e_, int(y_))]
        total = sum(quarters.values())
        assert v_ == pytest.approx(total * 4 / len(quarters))
        assert (f_ is None) == (len(quarters) == 4)
    e, y, v, f = annualise(econ, year, quarter, value, "last")
    for e_, y_, v_, f_ in zip(e, y, v, f, strict=True):
        quarters = groups[(e_, int(y_))]
        assert v_ == quarters[max(quarters)]
        assert (f_ is None) == (max(quarters) == 4)
