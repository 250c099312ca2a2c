"""Plots are written as SVG/PNG and refuse other formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from aibridge.analysis.plots import rank_whiskers, sobol_bars
from aibridge.analysis.uncertainty import IndexPlan, UncertaintySpec, run_uncertainty
from aibridge.errors import SpecError

SPEC = {
    "weights": {"noise": 0.25},
    "aggregation": [{"method": "arith_mean"}, {"method": "geom_mean"}],
}


def test_whiskers_and_bars(toy_plan: IndexPlan, tmp_path: Path) -> None:
    res = run_uncertainty(toy_plan, UncertaintySpec.parse(SPEC), 16, method="saltelli", n_boot=10)
    svg = rank_whiskers(res, tmp_path / "w.svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    png = rank_whiskers(res, tmp_path / "sub" / "w.png", max_economies=10)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert res.sobol is not None
    bars = sobol_bars(res.sobol, tmp_path / "s.svg")
    assert "<svg" in bars.read_text(encoding="utf-8")
    with pytest.raises(SpecError, match="SVG or PNG"):
        rank_whiskers(res, tmp_path / "w.jpg")
    with pytest.raises(SpecError, match="was not a target"):
        rank_whiskers(res, tmp_path / "w.svg", node="p0")
