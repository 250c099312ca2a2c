"""Variance-based (Sobol') sensitivity indices: design, estimators, bootstrap, convergence.

The design is Saltelli's radial scheme without second-order terms, drawn with
:func:`SALib.sample.sobol.sample` (scrambled Sobol' sequence): for a base sample of ``n`` points and
``d`` factors (or groups of columns) it has ``n * (d + 2)`` rows, laid out block by block as
``A_i, AB_i^(1), ..., AB_i^(d), B_i`` exactly as SALib lays them out.

The estimators are those of :func:`SALib.analyze.sobol.analyze`, re-written here vectorised
over many outputs at once (one column per output: the mean absolute rank shift and every
economy's rank), which SALib can only do one output at a time:

* first order, Saltelli et al. (2010), eq. (b) of table 2:
  ``S_j = mean(f(B) * (f(AB_j) - f(A))) / V``
* total order, Jansen (1999), eq. (f) of table 2:
  ``ST_j = mean((f(A) - f(AB_j))**2) / 2 / V``

with ``V`` the variance of ``[f(A), f(B)]`` after the output is standardised (SALib centres and
scales ``Y`` first; so do we, so the two agree to rounding — a test checks 1e-10). Confidence
intervals are bootstrapped over the ``n`` base points: ``conf = z * sd(bootstrap estimates)``
(SALib's normal-approximation half-width) plus percentile limits.

References
----------
.. [1] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010).
   Variance based sensitivity analysis of model output. Design and estimator for the total
   sensitivity index. Computer Physics Communications 181(2), 259-270.
.. [2] Jansen, M.J.W. (1999). Analysis of variance designs for model output. Computer Physics
   Communications 117, 35-43.
.. [3] Saisana, M., Saltelli, A., Tarantola, S. (2005). Uncertainty and sensitivity analysis
   techniques as tools for the quality assessment of composite indicators. JRSS A 168(2), 307-323.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from aibridge.errors import SpecError

__all__ = [
    "SobolResult",
    "convergence",
    "ishigami",
    "saltelli_design",
    "sobol_indices",
    "split_design_output",
]


def saltelli_design(
    n: int,
    n_columns: int,
    *,
    groups: Sequence[str] | None = None,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Saltelli design on the unit hypercube, ``(n * (d + 2), n_columns)``.

    ``groups`` names, for every column, the factor it belongs to (columns of one group are swapped
    together, as SALib's ``groups``); ``d`` is the number of distinct groups (or ``n_columns``).
    ``n`` should be a power of two for the balance properties of the Sobol' sequence.
    """
    from SALib.sample import sobol as salib_sobol

    if n < 2:
        raise SpecError(f"the base sample size must be at least 2; got {n}")
    if n_columns < 1:
        raise SpecError("a Sobol' design needs at least one uncertain input; got none")
    problem: dict[str, Any] = {
        "num_vars": n_columns,
        "names": [f"x{i}" for i in range(n_columns)],
        "bounds": [[0.0, 1.0]] * n_columns,
    }
    if groups is not None:
        if len(groups) != n_columns:
            raise SpecError(f"groups must name every column ({n_columns}); got {len(groups)}")
        problem["groups"] = list(groups)
    with warnings.catch_warnings():
        # scipy warns when n is not a power of two; the design is still valid, only less balanced.
        warnings.simplefilter("ignore", UserWarning)
        design = salib_sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return np.asarray(design, dtype=np.float64)


def n_factors(groups: Sequence[str] | None, n_columns: int) -> int:
    """Number of factors of a design: distinct groups, or columns."""
    return n_columns if not groups else len(dict.fromkeys(groups))


def split_design_output(y: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split outputs of a Saltelli design into ``A (n, m)``, ``B (n, m)``, ``AB (n, d, m)``."""
    y2 = y.reshape(y.shape[0], -1)
    step = d + 2
    if y2.shape[0] % step:
        raise SpecError(
            f"a Saltelli design with {d} factors has a multiple of {step} rows; got {y2.shape[0]}"
        )
    blocks = y2.reshape(y2.shape[0] // step, step, y2.shape[1])
    return blocks[:, 0, :], blocks[:, step - 1, :], blocks[:, 1 : step - 1, :]


def _estimate(a: np.ndarray, b: np.ndarray, ab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S1 and ST for ``a, b (..., n, m)`` and ``ab (..., n, d, m)``; returns ``(..., d, m)`` each.

    Axis ``-2`` of ``a``/``b`` (``-3`` of ``ab``) is the base sample that the means run over.
    """
    y = np.concatenate([a, b], axis=-2)
    var = np.var(y, axis=-2)  # (..., m)
    s1_num = np.mean(b[..., None, :] * (ab - a[..., None, :]), axis=-3)
    st_num = 0.5 * np.mean((a[..., None, :] - ab) ** 2, axis=-3)
    eps = np.finfo(float).eps
    ok = (np.ptp(y, axis=-2) > eps) & (var > eps)
    var_b = np.where(ok, var, 1.0)[..., None, :]
    s1 = np.where(ok[..., None, :], s1_num / var_b, 0.0)
    st = np.where(ok[..., None, :], st_num / var_b, 0.0)
    return s1, st


@dataclass(frozen=True)
class SobolResult:
    """First-order and total Sobol' indices for several outputs.

    Arrays have shape ``(n_outputs, n_factors)``. ``*_conf`` is SALib's half-width
    ``z * sd(bootstrap)``; ``*_low`` / ``*_high`` are percentile bootstrap limits.
    """

    factors: tuple[str, ...]
    outputs: tuple[str, ...]
    n: int
    S1: np.ndarray
    ST: np.ndarray
    S1_conf: np.ndarray
    ST_conf: np.ndarray
    S1_low: np.ndarray
    S1_high: np.ndarray
    ST_low: np.ndarray
    ST_high: np.ndarray
    conf_level: float

    def for_output(self, output: str) -> pd.DataFrame:
        """Indices of one output, one row per factor."""
        i = self.outputs.index(output)
        return pd.DataFrame(
            {
                "factor": list(self.factors),
                "S1": self.S1[i],
                "S1_conf": self.S1_conf[i],
                "ST": self.ST[i],
                "ST_conf": self.ST_conf[i],
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: output, factor, S1, S1_conf, S1_low, S1_high, ST, ST_conf, ST_low, ST_high,
        n."""
        m, d = self.S1.shape
        return pd.DataFrame(
            {
                "output": np.repeat(np.array(self.outputs, dtype=object), d),
                "factor": np.tile(np.array(self.factors, dtype=object), m),
                "S1": self.S1.ravel(),
                "S1_conf": self.S1_conf.ravel(),
                "S1_low": self.S1_low.ravel(),
                "S1_high": self.S1_high.ravel(),
                "ST": self.ST.ravel(),
                "ST_conf": self.ST_conf.ravel(),
                "ST_low": self.ST_low.ravel(),
                "ST_high": self.ST_high.ravel(),
                "n": self.n,
            }
        )


def sobol_indices(
    y: np.ndarray,
    factors: Sequence[str],
    *,
    outputs: Sequence[str] | None = None,
    n_boot: int = 100,
    conf_level: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> SobolResult:
    """Sobol' first-order (Saltelli 2010) and total (Jansen) indices from a Saltelli design.

    ``y`` is ``(n * (d + 2),)`` or ``(n * (d + 2), m)``: one column per output. With the same
    ``rng`` seed as SALib's ``seed`` argument, the bootstrap draws (and so ``*_conf``) equal
    SALib's (to rounding).
    """
    d = len(factors)
    if d < 1:
        raise SpecError("Sobol' indices need at least one factor")
    if n_boot < 2:
        raise SpecError(f"n_boot must be at least 2; got {n_boot}")
    if not 0 < conf_level < 1:
        raise SpecError(f"conf_level must be in (0, 1); got {conf_level}")
    y2 = np.asarray(y, dtype=np.float64).reshape(np.shape(y)[0], -1)
    m = y2.shape[1]
    if outputs is None:
        outputs = ["y"] if m == 1 else [f"y{i}" for i in range(m)]
    if len(outputs) != m:
        raise SpecError(f"outputs must name every column of y ({m}); got {len(outputs)}")
    # Standardise every output as SALib does (removes the bias of non-centred outputs).
    mean = y2.mean(axis=0)
    sd = y2.std(axis=0)
    z = (y2 - mean) / np.where(sd > 0, sd, 1.0)
    a, b, ab = split_design_output(z, d)
    n = a.shape[0]
    s1, st = _estimate(a, b, ab)  # (d, m)

    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    r = gen.integers(n, size=(n, n_boot))  # same draw as SALib's analyze(seed=...)
    # A bootstrap estimate is a mean over resampled base points, i.e. a count-weighted mean
    # over all points: with C[k, i] = times point i is drawn in resample k, every estimate of
    # every resample is one matrix product (n_boot × n) @ (n × d·m) — instead of gathering
    # n_boot copies of the design (SALib), which is what made per-economy indices slow.
    counts = (
        np.bincount((r.T + np.arange(n_boot)[:, None] * n).ravel(), minlength=n * n_boot)
        .reshape(n_boot, n)
        .astype(np.float64)
    )
    q1 = (b[:, None, :] * (ab - a[:, None, :])).reshape(n, d * m)
    q2 = (0.5 * (a[:, None, :] - ab) ** 2).reshape(n, d * m)
    s1_num = (counts @ q1 / n).reshape(n_boot, d, m)
    st_num = (counts @ q2 / n).reshape(n_boot, d, m)
    ey = counts @ (a + b) / (2 * n)
    ey2 = counts @ (a * a + b * b) / (2 * n)
    var_b = ey2 - ey * ey  # (n_boot, m), np.var of the resampled [A, B] (ddof 0)
    ok = var_b > np.finfo(float).eps
    safe = np.where(ok, var_b, 1.0)[:, None, :]
    bs1 = np.where(ok[:, None, :], s1_num / safe, 0.0)  # (n_boot, d, m)
    bst = np.where(ok[:, None, :], st_num / safe, 0.0)
    zq = float(norm.ppf(0.5 + conf_level / 2))
    s1_conf = (zq * bs1.std(axis=0, ddof=1)).T  # (m, d)
    st_conf = (zq * bst.std(axis=0, ddof=1)).T
    q = [(1 - conf_level) / 2 * 100, (1 + conf_level) / 2 * 100]
    lims = np.concatenate([np.percentile(bs1, q, axis=0), np.percentile(bst, q, axis=0)]).transpose(
        0, 2, 1
    )  # (4, m, d)
    # SALib reports a zero half-width when the outputs are all equal.
    flat = np.ptp(np.concatenate([a, b], axis=0), axis=0) == 0.0
    s1_conf[flat] = 0.0
    st_conf[flat] = 0.0
    return SobolResult(
        factors=tuple(factors),
        outputs=tuple(outputs),
        n=n,
        S1=s1.T.copy(),
        ST=st.T.copy(),
        S1_conf=s1_conf,
        ST_conf=st_conf,
        S1_low=lims[0],
        S1_high=lims[1],
        ST_low=lims[2],
        ST_high=lims[3],
        conf_level=conf_level,
    )


def convergence(
    y: np.ndarray,
    factors: Sequence[str],
    *,
    output: int = 0,
    sizes: Sequence[int] | None = None,
    n_boot: int = 100,
    rng: np.random.Generator | int | None = None,
) -> pd.DataFrame:
    """Indices estimated on growing prefixes of the design (the Sobol' sequence is extensible).

    Rows: n, factor, S1, S1_conf, ST, ST_conf. Indices that have settled change little between the
    last sizes and their confidence half-widths shrink like ``1/sqrt(n)``.
    """
    d = len(factors)
    y2 = np.asarray(y, dtype=np.float64).reshape(np.shape(y)[0], -1)[:, [output]]
    n_total = y2.shape[0] // (d + 2)
    if sizes is None:
        sizes = []
        k = 8
        while k < n_total:
            sizes.append(k)
            k *= 2
        sizes.append(n_total)
    frames = []
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    for size in sizes:
        if not 2 <= size <= n_total:
            raise SpecError(f"convergence sizes must lie in [2, {n_total}]; got {size}")
        res = sobol_indices(y2[: size * (d + 2)], factors, n_boot=n_boot, rng=gen)
        frame = res.for_output(res.outputs[0])
        frame.insert(0, "n", size)
        frame["runs"] = size * (d + 2)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on ``[-pi, pi]^3`` (rows of ``x``); analytic Sobol' indices known.

    ``S1 = (0.3139, 0.4424, 0)``, ``ST = (0.5576, 0.4424, 0.2437)`` for ``a=7, b=0.1``.
    """
    x1, x2, x3 = x[..., 0], x[..., 1], x[..., 2]
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of :func:`ishigami`."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s1 = np.array([v1 / v, v2 / v, 0.0])
    st = np.array([(v1 + v13) / v, v2 / v, v13 / v])
    return s1, st
