"""2030 projections: OLS prediction intervals against statsmodels-free references; flags."""

from __future__ import annotations

import numpy as np
import pytest
from divide_fixtures import linear_spec_panel
from scipy import stats

from aibridge.analysis.projection import project, project_series
from aibridge.engine.build import build_index
from aibridge.errors import DataError


def test_exact_line_projects_exactly() -> None:
    p = project_series([2015, 2016, 2017, 2018], [10.0, 12.0, 14.0, 16.0], 2030)
    assert p["value"] == pytest.approx(40.0)
    assert p["slope"] == pytest.approx(2.0)
    assert p["upper"] - p["lower"] == pytest.approx(0.0, abs=1e-9)


def test_prediction_interval_matches_textbook_formula() -> None:
    rng = np.random.default_rng(0)
    x = np.arange(2012, 2024, dtype=float)
    y = 30 + 1.5 * (x - 2012) + rng.normal(0, 2, x.size)
    p = project_series(x, y, 2030, level=0.95)
    lr = stats.linregress(x, y)
    n = x.size
    s = np.sqrt(np.sum((y - lr.intercept - lr.slope * x) ** 2) / (n - 2))
    half = (
        stats.t.ppf(0.975, n - 2)
        * s
        * np.sqrt(1 + 1 / n + (2030 - x.mean()) ** 2 / np.sum((x - x.mean()) ** 2))
    )
    assert p["value"] == pytest.approx(lr.intercept + lr.slope * 2030)
    assert p["upper"] - p["value"] == pytest.approx(half)
    assert p["slope_se"] == pytest.approx(lr.stderr)
    assert p["r2"] == pytest.approx(lr.rvalue**2)
    # the interval covers the truth about 95 % of the time (simulation)
    hits = 0
    for k in range(400):
        r = np.random.default_rng(k)
        yy = 30 + 1.5 * (x - 2012) + r.normal(0, 2, x.size)
        q = project_series(x, yy, 2030, level=0.95)
        truth = 30 + 1.5 * 18 + r.normal(0, 2)
        hits += q["lower"] <= truth <= q["upper"]
    assert 0.91 < hits / 400 < 0.99


def test_theilsen_resists_an_outlier() -> None:
    x = np.arange(2015, 2023, dtype=float)
    y = 50 + 1.0 * (x - 2015)
    y[3] = 0.0
    robust = project_series(x, y, 2030, method="theilsen")
    assert robust["slope"] == pytest.approx(1.0)
    assert project_series(x, y, 2030)["slope"] != pytest.approx(1.0)


def test_project_flags_low_confidence_honestly() -> None:
    spec, panel = linear_spec_panel(years=6)
    res = build_index(spec, panel)
    frame = project(res, target_year=2030)
    assert set(frame["node"]) == {"idx", "p0", "p1", "p2"}
    assert len(frame) == 4 * len(res.economies)
    # 6 points 2015-2020, horizon 10 years > span 5: every projection is flagged
    assert frame["low_confidence"].all()
    assert frame["reasons"].str.contains("horizon beyond").all()
    near = project(res, target_year=2022, min_points=3, wide=1e9, poor_fit=1e9)
    assert not near["low_confidence"].any()
    few = project(build_index(spec, panel, years=[2019, 2020]), target_year=2021)
    assert few["reasons"].str.contains("few points").all()
    assert few["reasons"].str.contains("no interval").all()
    with pytest.raises(DataError, match="level"):
        project(res, level=1.5)
