"""aibridge.engine — the composite-index engine: pure, typed numpy; no I/O.

Array conventions (the contract every stage and the uncertainty analysis rely on):

* ``X`` has shape ``(..., n_economies, n_indicators)``, float64, ``NaN`` = missing.
  Leading axes are batch axes — years of a panel, Monte Carlo replications, or both
  (``(n_rep, n_year, n_econ, n_ind)``) — and every stage treats each batch slice
  independently, so one call evaluates all replications.
* Statistics (min, max, mean, sd, skewness, ranks) run along the economies axis ``-2``.
* Screened-out economies are masked as NaN rows, never dropped: shapes stay fixed.
* Per-indicator parameters are scalars or arrays broadcastable to ``(..., n_indicators)``;
  weights of a node's children are broadcastable to ``(..., n_children)``.
* Every method lives in a registry keyed by a stable string id: ``NORMALISERS``,
  ``AGGREGATORS``, ``IMPUTERS``, ``TREATMENTS``, ``WEIGHTINGS``.
* Deterministic: no randomness except through an explicit ``rng`` argument.

The engine never imports duckdb, httpx or the store (ADR 0001).
"""

from aibridge.engine.aggregate import AGGREGATORS, aggregate
from aibridge.engine.audit import AuditReport, audit_index
from aibridge.engine.build import aggregate_tree, build_index, normalise_indicators
from aibridge.engine.impute import IMPUTERS, impute
from aibridge.engine.normalise import NORMALISERS, normalise
from aibridge.engine.rank import rank_asc, rank_desc
from aibridge.engine.result import IndexResult
from aibridge.engine.screen import denominate, screen
from aibridge.engine.spec import (
    DEFAULT_STAGES,
    IndexSpec,
    IndicatorSpec,
    NodeSpec,
    Panel,
    Step,
    Tree,
    compile_tree,
)
from aibridge.engine.stats import kurtosis, skewness
from aibridge.engine.treat import TREATMENTS, TreatResult, treat, winsorise
from aibridge.engine.weight import WEIGHTINGS, effective_weights, weights_for

__all__ = [
    "AGGREGATORS",
    "DEFAULT_STAGES",
    "IMPUTERS",
    "NORMALISERS",
    "TREATMENTS",
    "WEIGHTINGS",
    "AuditReport",
    "IndexResult",
    "IndexSpec",
    "IndicatorSpec",
    "NodeSpec",
    "Panel",
    "Step",
    "TreatResult",
    "Tree",
    "aggregate",
    "aggregate_tree",
    "audit_index",
    "build_index",
    "compile_tree",
    "denominate",
    "effective_weights",
    "impute",
    "kurtosis",
    "normalise",
    "normalise_indicators",
    "rank_asc",
    "rank_desc",
    "screen",
    "skewness",
    "treat",
    "weights_for",
    "winsorise",
]
