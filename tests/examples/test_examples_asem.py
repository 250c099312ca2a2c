"""COINr parity: the ASEM example against COINr's own published build_example_coin() output.

Reference values are those printed in COINr's vignettes (COINr 1.1.14, built by CRAN):
``vignette("results")`` — ``head(get_results(coin, dset = "Aggregated", tab_type = "Aggs"))``
(2 decimals) and ``vignette("data_selection")`` — ``head(get_dset(coin, "Normalised")[1:5], 5)``
(7 significant digits). Tolerance: half a unit of the last printed digit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from aibridge.cli.main import app
from aibridge.engine.build import build_index
from aibridge.frameworks import load_framework, load_panel

pytestmark = pytest.mark.shared_data
ASEM = Path(__file__).resolve().parents[2] / "examples" / "asem" / "asem.yaml"

# uCode Rank Index Conn Sust Physical ConEcFin Political Instit P2P Environ Social SusEcFin
RESULTS = """
CHE 1 68.38 62.79 73.98 63.41 32.87 74.78 85.94 56.93 77.21 87.85 56.88
NLD 2 64.82 61.94 67.70 64.87 46.62 84.55 71.74 41.92 58.73 86.58 57.78
DNK 3 64.80 57.10 72.51 50.52 30.43 78.13 75.35 51.04 69.83 86.40 61.29
NOR 4 64.47 57.44 71.50 58.18 25.70 80.03 89.46 33.80 70.90 87.00 56.59
BEL 5 63.54 63.99 63.09 71.97 48.22 80.84 75.60 43.32 53.01 86.17 50.09
SWE 6 63.00 53.87 72.12 51.51 23.87 80.98 74.51 38.50 66.37 87.74 62.27
"""
RESULT_COLS = ["Index", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P",
               "Environ", "Social", "SusEcFin"]  # fmt: skip

NORMALISED = """
AUS 79.96112 12.3223217 66.14497 0.00000
AUT 94.07137 27.8763185 0.00000 42.01269
BEL 94.56023 23.3967426 97.14314 100.00000
BGD 27.63906 0.1243185 45.80661 10.85013
BGR 34.29965 10.8828790 37.40495 16.34359
"""


@pytest.fixture(scope="module")
def result(shared_data: Path):  # type: ignore[no-untyped-def]
    fw = load_framework(ASEM)
    return build_index(fw.to_spec(), load_panel(fw))


def test_structure_matches_coinr(result) -> None:  # type: ignore[no-untyped-def]
    assert len(result.economies) == 51 and result.included.all()  # Screened (51 units)
    assert result.tree.n_indicators == 49
    assert len(result.tree.codes) == 49 + 8 + 2 + 1


def test_aggregates_match_coinr_results_vignette(result) -> None:  # type: ignore[no-untyped-def]
    for line in RESULTS.strip().splitlines():
        code, rank, *vals = line.split()
        i = result.economies.index(code)
        assert result.rank("Index")[i] == int(rank)
        for col, v in zip(RESULT_COLS, vals, strict=True):
            assert result.score(col)[i] == pytest.approx(float(v), abs=0.005 + 1e-9), (code, col)


def test_normalised_match_coinr_data_selection_vignette(result) -> None:  # type: ignore[no-untyped-def]
    for line in NORMALISED.strip().splitlines():
        code, *vals = line.split()
        i = result.economies.index(code)
        for col, v in zip(["LPI", "Flights", "Ship", "Bord"], vals, strict=True):
            assert result.score(col)[i] == pytest.approx(float(v), abs=5e-6), (code, col)


def test_treatment_report(result) -> None:  # type: ignore[no-untyped-def]
    t = result.treatment_frame()
    treated = t[t["n_winsorised"] > 0]
    # winsorised within the 5-point limit; no indicator needed the log fallback
    assert treated["n_winsorised"].max() <= 5
    assert not t["transformed"].any()
    assert t["passed"].all()
    assert {"Flights", "Services", "Tariff", "Poverty"} <= set(treated["indicator"])


def test_cli_build_writes_every_unit_and_node(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "asem.csv"
    res = CliRunner().invoke(
        app, ["index", "build", str(ASEM), "--out", str(out), "--stages", str(tmp_path / "st")]
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert len(df) == 51 * 60
    assert {"economy", "year", "node", "level", "score", "rank"} <= set(df.columns)
    che = df[(df.economy == "CHE") & (df.node == "Index")].iloc[0]
    assert che["rank"] == 1 and che["score"] == pytest.approx(68.38, abs=0.005)
    assert np.isfinite(df["score"]).all()
    for name in ("raw", "denominated", "imputed", "screened", "treated", "normalised"):
        assert (tmp_path / "st" / f"{name}.csv").exists()
    treat = pd.read_csv(tmp_path / "st" / "treatment.csv")
    assert (treat["n_winsorised"] > 0).sum() == 15
