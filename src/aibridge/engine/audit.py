"""Statistical audit of a built index (JRC practice; OECD/JRC Handbook 2008 §4, §7;
Paruolo, Saisana & Saltelli 2013 for effective weights).

For one year of an :class:`~aibridge.engine.result.IndexResult` (economies excluded by
screening left out):

* ``correlations``: Pearson correlation matrix of every tree column (indicators and
  aggregates, pairwise-complete observations) — within and across levels.
* per node (``nodes``): Cronbach's alpha of its children
  ``alpha = k/(k-1) * (1 - sum_i var(x_i) / var(sum_i x_i))`` (complete rows, sample
  variances); PCA of the children's correlation matrix: share of variance explained by the
  first component and the number of eigenvalues > 1 (Kaiser); each child's correlation with
  the node; children correlated *negatively* with their parent are flagged (and those below
  0.3 reported as weak, the JRC rule of thumb).
* ``weights`` (effective vs nominal): nominal = each indicator's share of the index
  (weights normalised per node and multiplied down the tree); importance = ``R^2`` of a
  linear fit of the index on the indicator (squared Pearson correlation) and the
  *correlation ratio* ``eta^2 = Var(E[y | x_i]) / Var(y)``, estimated by averaging the index
  within ``round(sqrt(n))`` quantile bins of the indicator; both also given normalised to
  sum to 1 so they can be set beside the nominal shares.
* ``coverage``: per indicator, the share of economies with a raw value and the number of
  imputed cells; per economy, the share of indicators present and imputed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aibridge.engine._arrays import FloatArray
from aibridge.engine.result import IndexResult
from aibridge.engine.weight import effective_weights

__all__ = ["AuditReport", "audit_index", "cronbach_alpha", "pairwise_corr"]


def pairwise_corr(X: FloatArray) -> FloatArray:
    """Pearson correlations of the columns of ``X`` over pairwise-complete rows."""
    n = X.shape[1]
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i, n):
            ok = ~np.isnan(X[:, i]) & ~np.isnan(X[:, j])
            if ok.sum() >= 3:
                a, b = X[ok, i], X[ok, j]
                sa, sb = a.std(), b.std()
                if sa > 0 and sb > 0:
                    out[i, j] = out[j, i] = float(
                        np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb)
                    )
    return out


def cronbach_alpha(X: FloatArray) -> float:
    """Cronbach's alpha of the columns of ``X`` (complete rows)."""
    rows = ~np.isnan(X).any(axis=1)
    Y = X[rows]
    k = Y.shape[1]
    if k < 2 or Y.shape[0] < 3:
        return math.nan
    tot = Y.sum(axis=1).var(ddof=1)
    if tot == 0:
        return math.nan
    return float(k / (k - 1) * (1 - Y.var(axis=0, ddof=1).sum() / tot))


def _pca(X: FloatArray) -> tuple[float, int]:
    rows = ~np.isnan(X).any(axis=1)
    Y = X[rows]
    if Y.shape[1] < 2 or Y.shape[0] < 3 or np.any(Y.std(axis=0) == 0):
        return math.nan, 0
    vals = np.linalg.eigvalsh(np.corrcoef(Y, rowvar=False))[::-1]
    return float(vals[0] / vals.sum()), int(np.sum(vals > 1.0))


def _corr_ratio(x: FloatArray, y: FloatArray) -> float:
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 4 or y.var() == 0:
        return math.nan
    bins = max(2, round(math.sqrt(n)))
    order = np.argsort(x, kind="stable")
    groups = np.array_split(order, bins)
    means = np.array([y[g].mean() for g in groups])
    sizes = np.array([len(g) for g in groups])
    return float(np.sum(sizes * (means - y.mean()) ** 2) / n / y.var())


def _clean(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not math.isfinite(float(v)) else round(float(v), 10)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


@dataclass(frozen=True)
class AuditReport:
    """The audit of one year; ``to_dict()`` is JSON-ready, ``print()`` renders it with Rich."""

    framework: str
    year: int
    n_economies: int
    codes: list[str]
    correlations: FloatArray
    nodes: list[dict[str, Any]]
    weights: list[dict[str, Any]]
    coverage_indicators: list[dict[str, Any]]
    coverage_economies: list[dict[str, Any]]
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "framework": self.framework,
                "year": self.year,
                "n_economies": self.n_economies,
                "codes": self.codes,
                "correlations": self.correlations.tolist(),
                "nodes": self.nodes,
                "weights": self.weights,
                "coverage": {
                    "indicators": self.coverage_indicators,
                    "economies": self.coverage_economies,
                },
                "flags": self.flags,
            }
        )

    def print(self, console: Any) -> None:
        from rich.table import Table

        def f(v: Any, nd: int = 2) -> str:
            return (
                "–"
                if v is None or (isinstance(v, float) and not math.isfinite(v))
                else f"{v:.{nd}f}"
            )

        console.print(
            f"[bold]Audit of {self.framework}[/] — {self.year}, {self.n_economies} economies"
        )
        t = Table(title="Nodes: internal consistency")
        for col in ("node", "level", "children", "Cronbach α", "PC1 share", "eigen>1",
                    "min corr(child, node)"):  # fmt: skip
            t.add_column(col, justify="right" if col != "node" else "left")
        for n in self.nodes:
            t.add_row(n["node"], str(n["level"]), str(n["n_children"]), f(n["cronbach_alpha"]),
                      f(n["pca_first_share"]), str(n["pca_eigen_gt1"]),
                      f(n["min_child_corr"]))  # fmt: skip
        console.print(t)
        w = Table(title="Effective vs nominal weights (share of the index)")
        for col in ("indicator", "nominal", "R² share", "η² share", "corr with index"):
            w.add_column(col, justify="right" if col != "indicator" else "left")
        for r in self.weights:
            w.add_row(r["indicator"], f(r["nominal"], 3), f(r["r2_share"], 3),
                      f(r["eta2_share"], 3), f(r["corr_index"]))  # fmt: skip
        console.print(w)
        c = Table(title="Coverage by indicator")
        for col in ("indicator", "raw coverage", "imputed cells"):
            c.add_column(col, justify="right" if col != "indicator" else "left")
        for r in self.coverage_indicators:
            c.add_row(r["indicator"], f(r["coverage"]), str(r["n_imputed"]))
        console.print(c)
        if self.flags:
            console.print("[bold yellow]Flags[/]")
            for fl in self.flags:
                console.print(f"  • {fl}", highlight=False)
        else:
            console.print("No flags.")


def audit_index(result: IndexResult, *, year: int | None = None) -> AuditReport:
    """Audit one year (default the latest) of a built index."""
    t = result._year(year)
    tree = result.tree
    keep = result.included[t]
    S = result.scores[t][keep]
    C = pairwise_corr(S)
    root = tree.root
    flags: list[str] = []
    nodes = []
    for k in range(tree.n_indicators, len(tree.codes)):
        ch = list(tree.children[k])
        alpha = cronbach_alpha(S[:, ch])
        share, n_gt1 = _pca(S[:, ch])
        child_corr = {tree.codes[c]: C[c, k] for c in ch}
        finite = [v for v in child_corr.values() if math.isfinite(v)]
        nodes.append(
            {
                "node": tree.codes[k],
                "level": int(tree.levels[k]),
                "n_children": len(ch),
                "cronbach_alpha": alpha,
                "pca_first_share": share,
                "pca_eigen_gt1": n_gt1,
                "child_corr": child_corr,
                "min_child_corr": min(finite) if finite else math.nan,
            }
        )
        for code, v in child_corr.items():
            if math.isfinite(v) and v < 0:
                flags.append(f"{code} is negatively correlated with its parent {tree.codes[k]} "
                             f"(r = {v:.2f})")  # fmt: skip
            elif math.isfinite(v) and v < 0.3:
                flags.append(f"{code} is only weakly correlated with its parent "
                             f"{tree.codes[k]} (r = {v:.2f} < 0.3)")  # fmt: skip
        if math.isfinite(alpha) and alpha < 0.7 and len(ch) > 1:
            flags.append(f"{tree.codes[k]}: Cronbach's alpha {alpha:.2f} is below 0.7")
    nominal = effective_weights(tree, result.weights[t])
    y = S[:, root]
    r2 = np.array([C[j, root] ** 2 if math.isfinite(C[j, root]) else np.nan
                   for j in range(tree.n_indicators)])  # fmt: skip
    eta = np.array([_corr_ratio(S[:, j], y) for j in range(tree.n_indicators)])
    r2s = r2 / np.nansum(r2)
    etas = eta / np.nansum(eta)
    weights = [
        {
            "indicator": tree.codes[j],
            "nominal": nominal[j],
            "r2": r2[j],
            "r2_share": r2s[j],
            "eta2": eta[j],
            "eta2_share": etas[j],
            "corr_index": C[j, root],
        }
        for j in range(tree.n_indicators)
    ]
    raw = result.stages["raw"][t]
    imp = result.imputed[t]
    cov_i = [
        {
            "indicator": code,
            "coverage": float(np.mean(~np.isnan(raw[:, j]))),
            "n_imputed": int(imp[:, j].sum()),
        }
        for j, code in enumerate(result.spec.indicator_codes)
    ]
    cov_e = [
        {
            "economy": e,
            "included": bool(result.included[t, i]),
            "coverage": float(np.mean(~np.isnan(raw[i]))),
            "imputed_share": float(np.mean(imp[i])),
        }
        for i, e in enumerate(result.economies)
    ]
    return AuditReport(
        framework=result.spec.name,
        year=result.years[t],
        n_economies=int(keep.sum()),
        codes=list(tree.codes),
        correlations=C,
        nodes=nodes,
        weights=weights,
        coverage_indicators=cov_i,
        coverage_economies=cov_e,
        flags=flags,
    )
