"""``aibridge aci profile|divide|scenario|path`` on a small framework (``--framework FILE``)."""

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
    rng = np.random.default_rng(5)
    n, k, T = 24, 6, 6
    base = rng.uniform(10, 90, size=(n, k))
    vals = np.stack([np.clip(base + t * rng.normal(1, 1, size=(n, k)), 1, 100) for t in range(T)])
    econ = tuple(f"E{i:02d}" for i in range(n))
    return Panel(vals, tuple(range(2015, 2015 + T)), econ, tuple(f"SRC.{j}" for j in range(k)),
                 groups={"region": tuple("NSEW"[i % 4] for i in range(n)),
                         "income_group": tuple(("HIC", "LIC")[i % 2] for i in range(n))},
                 economy_names={e: f"Economy {e}" for e in econ})
"""

FRAMEWORK = """
name: Toy capacity
data: {loader: "loader.py:load_panel"}
pipeline:
  stages: [normalise, aggregate]
  normalise: {method: minmax, low: 0, high: 100}
indicators:
  - {code: a0, source: SRC.0, parent: A, direction: 1, name: "access"}
  - {code: a1, source: SRC.1, parent: A, direction: 1}
  - {code: b0, source: SRC.2, parent: B, direction: 1}
  - {code: b1, source: SRC.3, parent: B, direction: 1}
  - {code: c0, source: SRC.4, parent: C, direction: 1}
  - {code: c1, source: SRC.5, parent: C, direction: 1}
nodes:
  - {code: A, parent: Index}
  - {code: B, parent: Index}
  - {code: C, parent: Index}
  - {code: Index}
"""


@pytest.fixture
def fw(tmp_path: Path) -> str:
    (tmp_path / "loader.py").write_text(LOADER, encoding="utf-8")
    p = tmp_path / "toy.yaml"
    p.write_text(FRAMEWORK, encoding="utf-8")
    return str(p)


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["aci", *args], catch_exceptions=False, env={"COLUMNS": "220"})


def test_profile_shows_pillars_peers_bottleneck_projection(fw: str, tmp_path: Path) -> None:
    res = invoke("profile", "e05", "--framework", fw, "--out", str(tmp_path / "p.csv"))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table["node"]) == ["Index", "A", "B", "C"]
    assert table["bottleneck"].sum() == 1
    assert {"gap_region", "gap_income", "gap_frontier", "projection", "low_confidence"} <= set(
        table.columns
    )
    out = res.output
    for word in ("E05", "region median", "income median", "Bottleneck pillar",
                 "Nearest peers", "Projection to 2030", "low:"):  # fmt: skip
        assert word in out, word


def test_divide_prints_decomposition_and_writes_csv(fw: str, tmp_path: Path) -> None:
    csv = tmp_path / "div.csv"
    res = invoke("divide", "--by", "region", "--framework", fw, "--out", str(csv))
    assert res.exit_code == 0, res.output
    assert "Theil" in res.output and "Beta convergence" in res.output
    assert "Sigma convergence" in res.output
    f = pd.read_csv(csv)
    assert len(f) == 6
    total = f["theil_between_region"] + f["theil_within_region"]
    assert (abs(total - f["theil"]) < 1e-12).all()
    inc = invoke("divide", "--by", "income", "--framework", fw)
    assert inc.exit_code == 0, inc.output


def test_scenario_by_source_code_and_bands(fw: str, tmp_path: Path) -> None:
    res = invoke("scenario", "E03", "--set", "SRC.0=100", "--set", "b1=100", "--framework", fw,
                 "--bands", "50", "--out", str(tmp_path / "s.csv"))  # fmt: skip
    assert res.exit_code == 0, res.output
    nodes = pd.read_csv(tmp_path / "s.csv").set_index("node")
    assert nodes.loc["Index", "score"] > nodes.loc["Index", "baseline_score"]
    assert nodes.loc["C", "score"] == nodes.loc["C", "baseline_score"]
    assert "a0:" in res.output and "b1:" in res.output
    assert "baseline: rank band" in res.output and "scenario: rank band" in res.output


def test_path_reaches_target_rank(fw: str, tmp_path: Path) -> None:
    res = invoke("path", "E07", "--target-rank", "3", "--framework", fw,
                 "--out", str(tmp_path / "path.csv"))  # fmt: skip
    assert res.exit_code == 0, res.output
    steps = pd.read_csv(tmp_path / "path.csv")
    assert len(steps) >= 1 and (steps["new_value"] > steps["value"]).all()
    assert "Minimal path" in res.output and "checked by a full rebuild" in res.output


def test_errors_are_one_line(fw: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["aci", "scenario", "E03", "--set", "nope=1", "--framework", fw],
        ["aci", "scenario", "E03", "--set", "a0", "--framework", fw],
        ["aci", "path", "E03", "--framework", fw],
        ["aci", "profile", "XXX", "--framework", fw],
        ["aci", "divide", "--by", "planet", "--framework", fw],
        ["aci", "path", "E03", "--target-rank", "1", "--growth", "0.1", "--framework", fw],
    ):
        with pytest.raises(SystemExit) as exc:
            run(argv)
        assert exc.value.code == 1
        err = capsys.readouterr().err
        assert err.startswith("Error:") and "Traceback" not in err, (argv, err)


# -- the default framework (ACI) on a small fixture store ------------------------------------
ACI_ECONOMIES = ["DEU", "KEN", "IND", "BRA", "CHN", "USA", "NGA", "FRA", "JPN", "ZAF", "EGY",
                 "PER", "TZA", "UGA", "ETH", "MEX"]  # fmt: skip


@pytest.fixture(scope="module")
def aci_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    from datetime import UTC, datetime

    import numpy as np
    import pyarrow as pa

    from aibridge.frameworks import load_framework
    from aibridge.sources._base import Batch, Origin, indicator_table
    from aibridge.store import Store

    path = tmp_path_factory.mktemp("aci") / "aci.duckdb"
    fw = load_framework("aci")
    denominators = {i.denominator for i in fw.indicators if i.denominator}
    codes = sorted(set(fw.source_codes().values()) | denominators)
    rng = np.random.default_rng(11)
    rows = []
    for k, e in enumerate(ACI_ECONOMIES):
        for year in range(2016, 2023):
            for c in codes:
                v = 100.0 if c == "HDR.pop_total" else (1.0 + k) * (1 + 0.03 * (year - 2016))
                rows.append((e, c, year, v * float(np.exp(0.4 * rng.standard_normal()))))
    obs = pa.table(
        {
            "economy": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "year": pa.array([r[2] for r in rows], pa.int16()),
            "value": pa.array([r[3] for r in rows], pa.float64()),
            "flag": pa.array([None] * len(rows), pa.string()),
        }
    )
    origin = Origin(source_id="divide-fixture", uri="file:///divide.csv", sha256="2" * 64,
                    vintage="fixture", retrieved_at=datetime(2026, 1, 1, tzinfo=UTC),
                    publisher="test", licence="CC0")  # fmt: skip
    meta = indicator_table([{"code": c, "name": c, "unit": "u"} for c in codes])
    with Store(path) as store:
        store.ingest(Batch(origin=origin, observations=obs, indicators=meta))
    return str(path)


def test_aci_commands_on_fixture_store(aci_store: str, tmp_path: Path) -> None:
    prof = invoke("profile", "KEN", "--store", aci_store)
    assert prof.exit_code == 0, prof.output
    assert "AI Capacity Index" in prof.output and "Bottleneck pillar" in prof.output
    assert "Projection to 2030" in prof.output
    assert "Gender & inclusion lens" in prof.output  # beside the ACI in every profile
    robust = invoke("profile", "KEN", "--store", aci_store, "--trend", "theilsen")
    assert robust.exit_code == 0 and "Theil-Sen trend" in robust.output
    div = invoke("divide", "--by", "subregion", "--store", aci_store,
                 "--out", str(tmp_path / "d.csv"), "--save")  # fmt: skip
    assert div.exit_code == 0, div.output
    assert "Stored" in div.output
    from aibridge.store import Store

    with Store.open(aci_store, read_only=True) as st:
        codes = set(st.indicators()["code"])
    assert "DIV.AI_Capacity_Index.aci.gap_frontier" in codes
    assert "DIV.AI_Capacity_Index.infra.theil" in codes
    f = pd.read_csv(tmp_path / "d.csv")
    assert list(f["year"]) == list(range(2016, 2023))
    assert (
        abs(f["theil_between_subregion"] + f["theil_within_subregion"] - f["theil"]) < 1e-12
    ).all()
    sc = invoke("scenario", "KEN", "--set", "IT.NET.USER.ZS=80", "--store", aci_store,
                "--bands", "20")  # fmt: skip
    assert sc.exit_code == 0, sc.output
    assert "→ 80.000" in sc.output and "scenario: rank band" in sc.output
    path = invoke("path", "KEN", "--target-rank", "5", "--store", aci_store)
    assert path.exit_code == 0, path.output
    assert "checked by a full rebuild" in path.output
