"""``aibridge index uncertainty``: tidy output, plots, Sobol' files, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aibridge.cli.main import app, run

LOADER = """
import numpy as np
from aibridge.engine.spec import Panel

def load_panel():
    rng = np.random.default_rng(0)
    vals = rng.lognormal(size=(1, 25, 6))
    return Panel(vals, (2023,), tuple(f"E{i:02d}" for i in range(25)),
                 tuple(f"i{j}" for j in range(6)))
"""

FRAMEWORK = """
name: Toy
data: {loader: "loader.py:load_panel"}
pipeline:
  stages: [treat, normalise, aggregate]
  treat: {method: coinr, winmax: 5}
  normalise: {method: minmax, low: 0, high: 100}
indicators:
  - {code: i0, parent: A, direction: 1}
  - {code: i1, parent: A, direction: 1}
  - {code: i2, parent: A, direction: -1}
  - {code: i3, parent: B, direction: 1}
  - {code: i4, parent: B, direction: 1}
  - {code: i5, parent: B, direction: 1}
nodes:
  - {code: A, parent: Index}
  - {code: B, parent: Index, weight: 2}
  - {code: Index}
"""


@pytest.fixture
def toy_framework(tmp_path: Path) -> Path:
    (tmp_path / "loader.py").write_text(LOADER, encoding="utf-8")
    fw = tmp_path / "toy.yaml"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    return fw


def test_cli_writes_tidy_rows_and_plots(toy_framework: Path, tmp_path: Path) -> None:
    out = tmp_path / "ua.csv"
    figs = tmp_path / "figs"
    res = CliRunner().invoke(
        app,
        ["index", "uncertainty", str(toy_framework), "--n", "300", "--seed", "4",
         "--out", str(out), "--plots", str(figs), "--replications", str(tmp_path / "r.parquet")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "300 replications" in res.output
    frame = pd.read_csv(out)
    for col in ("economy", "node", "nominal_rank", "median_rank", "p05_rank", "p95_rank"):
        assert col in frame.columns
    assert len(frame) == 25 and set(frame["node"]) == {"Index"}
    assert (figs / "rank_uncertainty.svg").exists() and (figs / "rank_uncertainty.png").exists()
    reps = pd.read_parquet(tmp_path / "r.parquet")
    assert len(reps) == 300 * 25 and {"replication", "score", "rank"} <= set(reps.columns)
    inputs = pd.read_csv(tmp_path / "ua_inputs.csv")
    assert set(inputs["factor"]) == {"weights", "normalisation", "aggregation", "winmax"}
    again = tmp_path / "again.csv"
    CliRunner().invoke(
        app, ["index", "uncertainty", str(toy_framework), "--n", "300", "--seed", "4",
              "--out", str(again)]
    )  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(again), frame)


def test_cli_sobol_with_spec_file(toy_framework: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "weights: {noise: 0.3, levels: [2]}\n"
        "aggregation: [{method: arith_mean}, {method: geom_mean}]\n"
        "exclude: true\n",
        encoding="utf-8",
    )
    out = tmp_path / "sa.parquet"
    res = CliRunner().invoke(
        app,
        ["index", "uncertainty", str(toy_framework), "--spec", str(spec), "--sobol",
         "--n", "32", "--n-boot", "20", "--out", str(out), "--plots", str(tmp_path / "f")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Sobol' indices" in res.output
    sobol = pd.read_csv(tmp_path / "sa_sobol.csv")
    assert set(sobol["factor"]) == {"weights", "aggregation", "exclude"}
    assert (tmp_path / "sa_convergence.csv").exists()
    assert (tmp_path / "f" / "sobol.svg").exists()
    assert len(pd.read_parquet(out)) == 25


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--n", "1"], "--n must be an integer >= 2"),
        (["--backend", "spark"], "--backend must be one of numpy, dask"),
        (["--out", "x.xlsx"], "--out must end in .csv or .parquet"),
    ],
)
def test_cli_rejects_bad_input_in_one_line(
    toy_framework: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(["index", "uncertainty", str(toy_framework), *extra])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_bad_spec_file(toy_framework: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "bad.yaml"
    spec.write_text("weights: {noise: -0.2}\nnormalisation: [{method: nope}]\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        run(["index", "uncertainty", str(toy_framework), "--spec", str(spec)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "weights.noise" in err and "unknown normalisation method 'nope'" in err


@pytest.mark.shared_data
def test_cli_on_asem_example(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "asem.csv"
    db = tmp_path / "store.duckdb"
    res = CliRunner().invoke(
        app,
        ["index", "uncertainty", "examples/asem/asem.yaml", "--n", "200", "--out", str(out),
         "--save", "--store", str(db)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert len(frame) == 51 and set(frame["node"]) == {"Index"}
    assert frame["rank_volatility"].gt(0).any()
    assert "Stored 255 rank statistics" in res.output

    from aibridge.store import Store

    code = "UA.ASEM_Sustainable_Connectivity_COINr_example.Index.p95_rank"
    stored = Store(db, read_only=True).observations(indicators=[code]).to_pandas()
    assert len(stored) == 51
