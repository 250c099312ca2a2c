"""Figures of an uncertainty / sensitivity analysis (matplotlib, saved as SVG or PNG).

* :func:`rank_whiskers` — COINr's ``plot_uncertainty``: economies ordered by nominal rank, a
  whisker from the 5th to the 95th percentile of the rank over the replications, the median
  rank as a dot and the nominal rank as a cross. Long whiskers = ranks that depend on choices.
* :func:`sobol_bars` — COINr's ``plot_sensitivity(ptype = "bar")``: first-order (S1) and total
  (ST) Sobol' indices of each input, with bootstrap confidence half-widths.

Both return the saved path; the format follows the suffix (``.svg`` or ``.png``). The non-GUI
"Agg" canvas is used so they work on servers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aibridge.errors import SpecError

if TYPE_CHECKING:  # pragma: no cover
    from aibridge.analysis.sensitivity import SobolResult
    from aibridge.analysis.uncertainty import UncertaintyResult

__all__ = ["rank_whiskers", "sobol_bars"]

FORMATS = (".svg", ".png")


def _check(path: str | Path) -> Path:
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise SpecError(f"plots are saved as SVG or PNG; got {p.name!r} (use .svg or .png)")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def rank_whiskers(
    result: UncertaintyResult,
    path: str | Path,
    *,
    node: str | None = None,
    max_economies: int | None = None,
    title: str | None = None,
) -> Path:
    """Rank-uncertainty whisker plot of ``node`` (default: the first target)."""
    p = _check(path)
    frame = result.summary()
    node = node or result.targets[0]
    if node not in result.targets:
        raise SpecError(f"node {node!r} was not a target; choose one of {list(result.targets)}")
    sub = frame[(frame["node"] == node) & frame["nominal_rank"].notna()]
    sub = sub.sort_values(["nominal_rank", "economy"], kind="stable")
    if max_economies is not None:
        sub = sub.head(max_economies)
    m = len(sub)
    x = np.arange(m)
    fig = _figure(max(6.0, 0.16 * m + 1.5), 4.5)
    ax = fig.add_subplot()
    ax.vlines(
        x, sub["p05_rank"], sub["p95_rank"], color="#4C72B0", lw=2, label="5th-95th percentile"
    )
    ax.scatter(x, sub["median_rank"], s=14, color="#4C72B0", zorder=3, label="median rank")
    ax.scatter(x, sub["nominal_rank"], s=18, marker="x", color="#C44E52", zorder=4,
               label="nominal rank")  # fmt: skip
    ax.set_xticks(x, list(sub["economy"]), rotation=90, fontsize=7 if m > 40 else 9)
    ax.set_ylabel("rank (1 = best)")
    ax.invert_yaxis()
    ax.set_xlim(-1, m)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    ax.set_title(
        title or f"Rank uncertainty of {node} ({int(sub['n_replications'].max()):,} replications)",
        fontsize=10,
    )
    fig.savefig(p)
    return p


def sobol_bars(
    sobol: SobolResult,
    path: str | Path,
    *,
    output: str | None = None,
    title: str | None = None,
) -> Path:
    """Bar chart of S1 and ST (with confidence half-widths) for one output."""
    p = _check(path)
    output = output or sobol.outputs[0]
    if output not in sobol.outputs:
        raise SpecError(f"unknown output {output!r}; e.g. {list(sobol.outputs[:5])}")
    i = sobol.outputs.index(output)
    d = len(sobol.factors)
    x = np.arange(d)
    fig = _figure(max(5.0, 1.1 * d + 1.5), 3.8)
    ax = fig.add_subplot()
    width = 0.38
    ax.bar(x - width / 2, sobol.S1[i], width, yerr=sobol.S1_conf[i], capsize=3,
           color="#4C72B0", label="first order S1")  # fmt: skip
    ax.bar(x + width / 2, sobol.ST[i], width, yerr=sobol.ST_conf[i], capsize=3,
           color="#DD8452", label="total ST")  # fmt: skip
    ax.set_xticks(x, list(sobol.factors))
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("Sobol' index")
    ax.set_ylim(min(0.0, float(np.nanmin(sobol.S1[i] - sobol.S1_conf[i])) - 0.05), 1.05)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    label = "mean absolute rank shift" if output == "mean_abs_rank_shift" else output
    ax.set_title(title or f"Sensitivity of the {label} (n = {sobol.n})", fontsize=10)
    fig.savefig(p)
    return p
