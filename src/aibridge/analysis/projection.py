"""Trend projections of index scores (e.g. to 2030) with prediction intervals.

For each economy and node, the score series ``y_t`` (years with a score) is fitted by OLS,
``y_t = a + b t + e_t``, or by the Theil-Sen robust line (``method="theilsen"``; its interval
uses the OLS residual spread around the robust line). The prediction interval at year ``t0``
is the classical one (e.g. Montgomery, Peck & Vining, *Introduction to Linear Regression
Analysis*, §2.5):

``y_hat(t0) +/- t_{n-2, (1+level)/2} * s * sqrt(1 + 1/n + (t0 - t_bar)^2 / S_tt)``

with ``s`` the residual standard error. The projection is flagged **low confidence**, with
the reasons, when any of these holds: fewer than ``min_points`` years; the interval's
half-width exceeds ``wide`` score points (default: 10 % of the node's observed range); a poor
fit (residual sd above ``poor_fit`` times the
cross-economy sd of the node's latest scores); or the horizon extends beyond the observed
span (extrapolating further ahead than the data reach back). Composite scores with min-max
normalisation are relative to each year's field of economies: a trend is the trend of the
economy's position, not of an absolute capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from aibridge.engine.result import IndexResult
from aibridge.errors import DataError

__all__ = ["project", "project_series"]


def project_series(
    years: npt.ArrayLike,
    values: npt.ArrayLike,
    target_year: float,
    *,
    level: float = 0.9,
    method: Literal["ols", "theilsen"] = "ols",
) -> dict[str, float]:
    """Projection of one series: value, lower, upper, slope, slope_se, r2, resid_sd, n.

    Missing values are dropped. With fewer than 3 points the interval is undefined (NaN).
    """
    x = np.asarray(years, dtype=np.float64)
    yv = np.asarray(values, dtype=np.float64)
    ok = ~(np.isnan(x) | np.isnan(yv))
    x, yv = x[ok], yv[ok]
    n = x.size
    nan = float("nan")
    out = {"value": nan, "lower": nan, "upper": nan, "slope": nan, "slope_se": nan,
           "r2": nan, "resid_sd": nan, "n": float(n)}  # fmt: skip
    if n == 0:
        return out
    if n == 1 or np.ptp(x) == 0:
        out["value"] = float(yv.mean())
        return out
    xbar = x.mean()
    sxx = float(((x - xbar) ** 2).sum())
    if method == "theilsen":
        b, a, _lo, _hi = stats.theilslopes(yv, x)
    elif method == "ols":
        b = float(((x - xbar) * (yv - yv.mean())).sum() / sxx)
        a = float(yv.mean() - b * xbar)
    else:
        raise DataError(f"projection method must be 'ols' or 'theilsen'; got {method!r}")
    pred = a + b * target_year
    out |= {"value": float(pred), "slope": float(b)}
    if n < 3:
        return out
    resid = yv - (a + b * x)
    s = float(np.sqrt((resid**2).sum() / (n - 2)))
    sst = float(((yv - yv.mean()) ** 2).sum())
    q = stats.t.ppf(0.5 + level / 2, n - 2)
    half = q * s * np.sqrt(1 + 1 / n + (target_year - xbar) ** 2 / sxx)
    out |= {
        "lower": float(pred - half),
        "upper": float(pred + half),
        "slope_se": s / np.sqrt(sxx),
        "r2": 1 - float((resid**2).sum()) / sst if sst > 0 else 1.0,
        "resid_sd": s,
    }
    return out


def project(
    result: IndexResult,
    *,
    target_year: int = 2030,
    nodes: Sequence[str] | None = None,
    economies: Sequence[str] | None = None,
    level: float = 0.9,
    method: Literal["ols", "theilsen"] = "ols",
    min_points: int = 5,
    wide: float | None = None,
    poor_fit: float = 0.25,
) -> pd.DataFrame:
    """Project every (economy, node) to ``target_year`` (default nodes: root and pillars).

    ``wide``: the half-width above which an interval is "wide", in score points (default:
    10 % of the node's observed score range over all economies and years — 10 points on a
    0-100 scale). Columns: economy, node, last_year, last_score, target_year, projection,
    lower, upper, level, slope (points a year), slope_se, r2, n_points, low_confidence,
    reasons.
    """
    if not 0 < level < 1:
        raise DataError(f"level must be between 0 and 1; got {level}")
    tree = result.tree
    codes = (
        list(nodes)
        if nodes is not None
        else [tree.codes[tree.root], *(tree.codes[c] for c in tree.children[tree.root])]
    )
    ecos = list(economies) if economies is not None else list(result.economies)
    unknown = [e for e in ecos if e not in result.economies]
    if unknown:
        raise DataError(f"economies {unknown} are not in the index")
    years = np.array(result.years, dtype=np.float64)
    span = float(years.max() - years.min()) if years.size else 0.0
    S = np.asarray(result.scores)
    rows = []
    for c in codes:
        k = tree.index(c)
        with_data = np.flatnonzero((~np.isnan(S[:, :, k])).any(axis=1))
        latest = S[with_data[-1] if with_data.size else -1, :, k]
        with np.errstate(all="ignore"):
            allk = S[:, :, k][~np.isnan(S[:, :, k])]
        wide_k = wide if wide is not None else (0.1 * float(np.ptp(allk)) if allk.size else 0.0)
        cross_sd = float(np.nanstd(latest, ddof=1)) if np.sum(~np.isnan(latest)) > 1 else np.nan
        for e in ecos:
            i = result.economies.index(e)
            y = S[:, i, k]
            has = ~np.isnan(y)
            if not has.any():
                continue
            p = project_series(years, y, target_year, level=level, method=method)
            last = int(np.flatnonzero(has)[-1])
            reasons = []
            n = int(p["n"])
            if n < min_points:
                reasons.append(f"few points ({n} < {min_points})")
            if np.isnan(p["lower"]):
                reasons.append("no interval")
            elif (p["upper"] - p["lower"]) / 2 > wide_k:
                reasons.append(f"wide interval (±{(p['upper'] - p['lower']) / 2:.3g})")
            fit_ok = np.isnan(p["resid_sd"]) or not cross_sd > 0  # NaN cross_sd: no check
            if not fit_ok and p["resid_sd"] > poor_fit * cross_sd:
                reasons.append("poor fit")
            obs_span = float(years[has].max() - years[has].min())
            if target_year - years[has].max() > max(obs_span, 0.0):
                reasons.append("horizon beyond the observed span")
            rows.append(
                {"economy": e, "node": c, "last_year": int(result.years[last]),
                 "last_score": float(y[last]), "target_year": target_year,
                 "projection": p["value"], "lower": p["lower"], "upper": p["upper"],
                 "level": level, "slope": p["slope"], "slope_se": p["slope_se"], "r2": p["r2"],
                 "n_points": n, "low_confidence": bool(reasons), "reasons": "; ".join(reasons)}
            )  # fmt: skip
    out = pd.DataFrame(rows)
    out.attrs["span"] = span
    return out
