"""Denomination (stage 0) and data-availability screening (stage 1).

*Denominate* (COINr ``Denominate``, ``R/denominate.R``): ``x_ij / (d_ij / scale_j)`` for
each indicator j with a denominator column d (GDP, population, area, energy ...); others
unchanged.

*Screen* (COINr ``Screen``, ``R/screen_units.R``): an economy's data availability is the
share of indicators present, ``1 - n_missing / n_indicators``; its non-zero share is
``1 - n_zero / n_present``. With ``unit_screen = "byNA"`` an economy is excluded when its
availability is *below* ``dat_thresh`` (COINr default 2/3; the ASEM example uses 0.9);
``"byzeros"`` when its non-zero share is below ``nonzero_thresh`` (default 0.05);
``"byNAandzeros"`` on either; ``"none"`` screens nothing. ``force_include`` /
``force_exclude`` override the rule. Excluded economies become rows of NaN (masked, so
batch shapes stay fixed). Indicators can be screened too: an indicator present for fewer
than ``ind_thresh`` of the economies is masked (NaN column), and aggregation then
re-normalises its siblings' weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from aibridge.engine._arrays import FloatArray, as_data
from aibridge.errors import ShapeError, SpecError

__all__ = ["ScreenResult", "denominate", "screen"]

BoolArray = npt.NDArray[np.bool_]

UNIT_SCREENS = ("byNA", "byzeros", "byNAandzeros", "none")


def denominate(
    x: npt.ArrayLike,
    denominators: npt.ArrayLike,
    *,
    use: npt.ArrayLike,
    scale: npt.ArrayLike = 1.0,
) -> FloatArray:
    """Divide indicators by their denominators.

    ``denominators`` has the same shape as ``x`` (the denominator series aligned to each
    indicator column; any value where ``use`` is False is ignored); ``use`` is a bool per
    indicator; ``scale`` multiplies the result (COINr ``ScaleFactor`` divides the
    denominator, which is the same).
    """
    X = as_data(x)
    D = np.asarray(denominators, dtype=np.float64)
    if D.shape != X.shape:
        raise ShapeError(f"denominators shape {D.shape} must equal data shape {X.shape}")
    u = np.asarray(use, dtype=bool)
    sc = np.broadcast_to(np.asarray(scale, dtype=np.float64), (X.shape[-1],))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = X / (D / sc)
    out = np.where(np.isinf(out), np.nan, out)
    return np.where(u, out, X)


@dataclass(frozen=True)
class ScreenResult:
    """Screened data and the availability report.

    ``x``: data with excluded economies (rows) and indicators (columns) set to NaN.
    ``included``: bool ``(..., n_economies)``. ``availability`` and ``nonzero``: shares per
    economy. ``n_missing``: per economy. ``indicator_coverage``: share of economies present,
    per indicator ``(..., n_indicators)``; ``indicator_included``: bool, same shape.
    ``reason``: per economy code 0 kept, 1 low data, 2 too many zeros, 3 forced out,
    4 forced in.
    """

    x: FloatArray
    included: BoolArray
    availability: FloatArray
    nonzero: FloatArray
    n_missing: npt.NDArray[np.int64]
    indicator_coverage: FloatArray
    indicator_included: BoolArray
    reason: npt.NDArray[np.int8]


REASONS = {0: "kept", 1: "data availability below threshold", 2: "too many zeros",
           3: "forced out", 4: "forced in"}  # fmt: skip


def screen(
    x: npt.ArrayLike,
    *,
    dat_thresh: float = 2 / 3,
    unit_screen: str = "byNA",
    nonzero_thresh: float = 0.05,
    ind_thresh: float = 0.0,
    force_include: npt.ArrayLike | None = None,
    force_exclude: npt.ArrayLike | None = None,
) -> ScreenResult:
    """Screen economies (and optionally indicators) by data availability, COINr-style."""
    if unit_screen not in UNIT_SCREENS:
        raise SpecError(f"unit_screen must be one of {UNIT_SCREENS}; got {unit_screen!r}")
    for name, val in (("dat_thresh", dat_thresh), ("nonzero_thresh", nonzero_thresh),
                      ("ind_thresh", ind_thresh)):  # fmt: skip
        if not 0.0 <= val <= 1.0:
            raise SpecError(f"{name} must lie between 0 and 1; got {val}")
    X = as_data(x)
    n_ind = X.shape[-1]
    present = ~np.isnan(X)
    n_missing = n_ind - present.sum(axis=-1)
    avail = 1.0 - n_missing / n_ind
    n_zero = np.sum(present & (X == 0), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        nonzero = 1.0 - n_zero / (n_ind - n_missing)
    low = avail < dat_thresh
    zero = nonzero < nonzero_thresh
    if unit_screen == "byNA":
        out_mask = low
    elif unit_screen == "byzeros":
        out_mask = zero
    elif unit_screen == "byNAandzeros":
        out_mask = low | zero
    else:
        out_mask = np.zeros_like(low)
    reason = np.where(out_mask & low, 1, np.where(out_mask & zero, 2, 0)).astype(np.int8)
    n_econ = X.shape[-2]
    if force_include is not None:
        fi = np.broadcast_to(np.asarray(force_include, bool), (n_econ,))
        reason = np.where(fi & out_mask, np.int8(4), reason)
        out_mask = out_mask & ~fi
    if force_exclude is not None:
        fe = np.broadcast_to(np.asarray(force_exclude, bool), (n_econ,))
        reason = np.where(fe & ~out_mask, np.int8(3), reason)
        out_mask = out_mask | fe
    included = ~out_mask
    kept = np.where(included[..., None], X, np.nan)
    n_kept = included.sum(axis=-1)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = (~np.isnan(kept)).sum(axis=-2) / n_kept
    ind_ok = coverage >= ind_thresh
    kept = np.where(ind_ok[..., None, :], kept, np.nan)
    return ScreenResult(
        x=kept,
        included=included,
        availability=avail,
        nonzero=nonzero,
        n_missing=n_missing.astype(np.int64),
        indicator_coverage=coverage,
        indicator_included=ind_ok,
        reason=reason.astype(np.int8),
    )
