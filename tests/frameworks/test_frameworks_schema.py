"""Framework YAML validation: clear errors for every kind of bad file; store-backed data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

from aibridge.cli.main import app, run
from aibridge.engine.build import build_index
from aibridge.errors import SpecError
from aibridge.frameworks import load_framework, load_panel, parse_framework


def _fw(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Toy",
        "indicators": [
            {"code": "a", "source": "X.a", "parent": "P", "direction": 1},
            {"code": "b", "source": "X.b", "parent": "P", "direction": -1, "weight": 2},
        ],
        "nodes": [{"code": "P", "parent": "I"}, {"code": "I"}],
    }
    base.update(over)
    return base


def test_valid_framework_to_spec() -> None:
    spec = parse_framework(_fw()).to_spec()
    assert spec.indicator_codes == ("a", "b")
    assert spec.normalise.method == "minmax"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nodes": [{"code": "P", "parent": "Q"}, {"code": "Q", "parent": "P"}, {"code": "I"}]},
         "cycle"),
        ({"indicators": [{"code": "a", "parent": "Nowhere", "direction": 1}]}, "not a node"),
        ({"indicators": [{"code": "a", "parent": "P", "direction": 1, "weight": -1}]},
         "non-negative"),
        ({"indicators": [{"code": "a", "parent": "P", "direction": 1, "weight": 0}]}, "all zero"),
        ({"indicators": [{"code": "a", "parent": "P"}]}, "direction: is required"),
        ({"indicators": [{"code": "a", "parent": "P", "direction": 2}]}, "direction"),
        ({"pipeline": {"normalise": {"method": "minmix"}}}, "unknown normalisation method"),
        ({"pipeline": {"stages": ["normalise", "weigh"]}}, "unknown stage"),
        ({"nodes": [{"code": "P"}, {"code": "I"}]}, "exactly one root"),
        ({"data": {"loader": "nocolon"}}, "module:function"),
        ({"nodes": [{"code": "P", "parent": "I", "aggregate": {"method": "mode"}}, {"code": "I"}]},
         "unknown aggregation"),
    ],
)  # fmt: skip
def test_bad_frameworks_give_clear_errors(change: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_framework(_fw(**change), where="toy.yaml")


def test_load_framework_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    p.write_text("name: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_framework(p)
    with pytest.raises(SpecError, match="not found"):
        load_framework(tmp_path / "missing.yaml")
    assert load_framework("hdi").name.startswith("Human Development Index")


def test_loader_relative_file(tmp_path: Path) -> None:
    (tmp_path / "ld.py").write_text(
        "import numpy as np\nfrom aibridge.engine.spec import Panel\n"
        "def load_panel(n=4):\n"
        "    v = np.arange(n * 2, dtype=float).reshape(1, n, 2) + 1\n"
        "    return Panel(v, (2020,), tuple('ABCD'[:n]), ('X.a', 'X.b'))\n"
    )
    p = tmp_path / "f.yaml"
    p.write_text(yaml.safe_dump(_fw(data={"loader": "ld.py:load_panel", "args": {"n": 4}})))
    fw = load_framework(p)
    panel = load_panel(fw)
    assert panel.indicators == ("a", "b")
    r = build_index(fw.to_spec(), panel)
    assert r.rank("I").tolist() == [1, 2, 3, 4]  # b (direction -1, weight 2) dominates


def test_store_backed_framework(tmp_path: Path) -> None:
    from aibridge.sources._base import Batch, Origin, indicator_table
    from aibridge.store import Store

    db = tmp_path / "s.duckdb"
    store = Store(str(db))
    rows = [(e, c, y, float(i + j + k))
            for i, e in enumerate(["FRA", "DEU", "KEN"]) for j, c in enumerate(["X.a", "X.b"])
            for k, y in enumerate([2020, 2021])]  # fmt: skip
    obs = pa.table(
        {
            "economy": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "year": pa.array([r[2] for r in rows], pa.int16()),
            "value": [r[3] for r in rows],
            "flag": pa.array([None] * len(rows), pa.string()),
        }
    )
    store.ingest(
        Batch(
            Origin("test", "mem://", "0" * 64, "v1"),
            obs,
            indicator_table([{"code": "X.a"}, {"code": "X.b"}]),
        )
    )
    store.close()
    p = tmp_path / "f.yaml"
    p.write_text(yaml.safe_dump(_fw(data={"store": {"years": [2020, 2021]}})))
    fw = load_framework(p)
    panel = load_panel(fw, store_path=str(db))
    assert panel.indicators == ("a", "b") and len(panel.economies) == 3
    r = build_index(fw.to_spec(), panel, years=[2021])
    assert np.isfinite(r.score("I")).all()


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(_fw(indicators=[{"code": "a", "parent": "P"}])))
    with pytest.raises(SystemExit) as exc:
        run(["index", "build", str(p)])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Error:" in err and "direction" in err and "Traceback" not in err


def test_cli_help() -> None:
    for cmd in (["index", "--help"], ["index", "build", "--help"], ["index", "audit", "--help"]):
        res = CliRunner().invoke(app, cmd)
        assert res.exit_code == 0 and "Usage" in res.output


@pytest.mark.shared_data
def test_cli_audit_json(shared_data: Path, tmp_path: Path) -> None:
    asem = Path(__file__).resolve().parents[2] / "examples" / "asem" / "asem.yaml"
    out = tmp_path / "audit.json"
    res = CliRunner().invoke(app, ["index", "audit", str(asem), "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "Cronbach" in res.output
    data = json.loads(out.read_text())
    assert {n["node"] for n in data["nodes"]} >= {"Index", "Conn", "Physical"}
    nominal = sum(w["nominal"] for w in data["weights"])
    assert nominal == pytest.approx(1)
    assert any("negatively correlated" in f for f in data["flags"])
