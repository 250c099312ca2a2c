"""The AI Capacity Index (ACI): framework + coverage rule + uncertainty bands + derived dataset.

The framework is ``frameworks/builtin/aci.yaml`` (five Action Plan pillars, 14 sub-pillars,
49 indicators); the gender & inclusion lens is ``frameworks/builtin/aci_gender.yaml``, built the
same way and shown beside the ACI. :func:`build_aci` runs the engine and adds what the bare
``aibridge index build aci`` cannot say:

* **Universe**: the 193 UN member states plus the two observer states (Holy See, State of
  Palestine); territories are not ranked.
* **Coverage rule** per economy-year (never a silent gap): ``coverage`` = share of the
  framework's indicators with a value (observed that year or carried forward by the
  ``latest`` imputation within its window); ``imputed_share`` = share of those values that were
  carried forward. A score is published only if ``coverage >= min_coverage`` (default 0.6),
  ``imputed_share <= max_imputed`` (default 0.5: a score built on mostly imputed values is not
  a score) and every pillar has at least ``min_pillar_coverage`` (default 1/3) of its
  indicators. Otherwise the row says ``insufficient data`` and why.
* **Scores** are rebuilt on the scored economies only, so min-max bounds and ranks are those of
  the published set.
* **Uncertainty band** per score for one year (default the latest complete year): Monte Carlo
  (:mod:`aibridge.analysis.uncertainty`) over sub-pillar and pillar weights (±25 %, COINr
  ``get_noisy_weights``) and leave-one-indicator-out; p05/p95 of score and rank.
* **Latest complete year**: the latest year in which at least 80 % of the universe economies
  that have any data can be scored (data lag: HDR and ODIN end in 2022, WDI connectivity
  series in 2023).
* The ACI scores go back into the store as a derived dataset (``IDX.AI_Capacity_Index.*``) with
  framework hash and data vintage.

Expert inputs: concepts without good open data (national AI strategy, AI-specific regulation,
public AI compute) are declared in :data:`EXPERT_INPUTS`. They are empty by default and join
the framework only where a user has imported values under their codes (``aibridge import``
of a CSV with columns economy, indicator, year, value); they never count towards coverage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from aibridge.errors import DataError, SpecError

__all__ = [
    "EXPERT_INPUTS",
    "OBSERVER_STATES",
    "PILLARS",
    "AciResult",
    "aci_source_codes",
    "aci_universe",
    "action_map_path",
    "build_aci",
    "build_aci_gender",
    "coverage_status",
    "load_action_map",
]

#: The five pillars (Action Plan areas 1-5), in order.
PILLARS: tuple[str, ...] = ("infra", "industry", "skills", "data", "governance")

#: UN General Assembly observer states, scored beside the 193 members.
OBSERVER_STATES: tuple[str, ...] = ("PSE", "VAT")

#: Concepts with no good open data: sourced, documented, empty by default (docs/aci.md).
EXPERT_INPUTS: tuple[dict[str, Any], ...] = (
    {
        "code": "ai_strategy",
        "source": "EXPERT.ai_strategy",
        "name": "National AI strategy adopted (expert input)",
        "unit": "0 = none, 0.5 = in preparation, 1 = adopted",
        "parent": "gov_digital",
        "direction": 1,
        "reference": "OECD.AI Policy Observatory national AI policies; UNESCO Global AI Ethics "
        "and Governance Observatory (Readiness Assessment Methodology)",
    },
    {
        "code": "ai_regulation",
        "source": "EXPERT.ai_regulation",
        "name": "AI-specific law or binding regulation in force (expert input)",
        "unit": "0 = none, 0.5 = draft before parliament, 1 = in force",
        "parent": "gov_cyber",
        "direction": 1,
        "reference": "national gazettes; OECD.AI policy database; Stanford AI Index (legislative "
        "tracker, 'AI-related bills passed into law')",
    },
    {
        "code": "ai_compute",
        "source": "EXPERT.ai_compute",
        "name": "Public or shared AI compute available to researchers (expert input)",
        "unit": "petaFLOP/s (peak, FP64) per million people",
        "parent": "infra_fixed",
        "direction": 1,
        "reference": "TOP500 list (national systems); national AI compute programmes",
    },
)


def aci_source_codes(frameworks: Sequence[str] = ("aci", "aci_gender")) -> set[str]:
    """Every store indicator code the ACI (and its gender lens) read: the frameworks' source
    series, their denominators and the expert inputs — e.g. to import only those
    (``sources.catalog.import_shared(..., indicators=aci_source_codes())``)."""
    from aibridge.frameworks import load_framework

    codes = {str(e["source"]) for e in EXPERT_INPUTS}
    for name in frameworks:
        fw = load_framework(name)
        codes |= set(fw.source_codes().values())
        codes |= {i.denominator for i in fw.indicators if i.denominator}
    return codes


_DEFAULT_UNCERTAINTY: dict[str, Any] = {
    "weights": {"distribution": "uniform", "noise": 0.25, "levels": [2, 3]},
    "exclude": True,
}


def action_map_path() -> Path:
    """Path of the versioned pillar → Action Plan / SDG mapping shipped with aibridge."""
    return Path(__file__).resolve().parent.parent / "frameworks" / "action_map.yaml"


def load_action_map(path: str | Path | None = None) -> dict[str, Any]:
    """The versioned mapping of ACI nodes to Action Plan actions (AP1-AP10) and SDG targets.

    Returns the YAML mapping (``version``, ``actions``, ``sdg_targets``, ``links``). Every link
    names a node of the ACI or gender framework, its actions and SDG targets, and a reason;
    a malformed file raises :class:`~aibridge.errors.SpecError` naming the entry.
    """
    p = Path(path) if path is not None else action_map_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"action map {p} not found; pass an existing YAML file") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"action map {p} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("links"), list):
        raise SpecError(f"action map {p} needs a 'links' list")
    actions = set((data.get("actions") or {}).keys())
    targets = set((data.get("sdg_targets") or {}).keys())
    for k, link in enumerate(data["links"]):
        where = f"action map {p.name}, link {k + 1}"
        if not isinstance(link, dict) or not link.get("node") or not link.get("reason"):
            raise SpecError(f"{where}: every link needs 'node' and a cited 'reason'")
        bad = [a for a in link.get("actions", []) if a not in actions]
        bad += [t for t in link.get("sdg", []) if t not in targets]
        if bad:
            raise SpecError(f"{where} ({link['node']}): unknown action/SDG ids {bad}")
        if not link.get("actions") and not link.get("sdg"):
            raise SpecError(f"{where} ({link['node']}): give at least one action or SDG target")
    return data


def aci_universe(economies: pd.DataFrame) -> list[str]:
    """ISO3 codes of the UN member states and observer states in an economy table."""
    t = economies[~economies["is_aggregate"].astype(bool)]
    member = t["is_un_member"].fillna(False).astype(bool) | t["iso3"].isin(OBSERVER_STATES)
    return sorted(t.loc[member, "iso3"].astype(str))


def coverage_status(
    observed: np.ndarray,
    available: np.ndarray,
    pillar_of: Sequence[str],
    *,
    pillar_names: Mapping[str, str] | None = None,
    min_coverage: float = 0.6,
    max_imputed: float = 0.5,
    min_pillar_coverage: float = 1 / 3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Apply the coverage rule to ``(..., n_indicators)`` masks.

    ``observed``: value observed that year; ``available``: observed or imputed. Returns
    ``(scored, coverage, imputed_share, reasons)`` with the indicator axis reduced; ``reasons``
    is an object array ('' where scored). Pure numpy, vectorised over years and economies.
    """
    obs = np.asarray(observed, bool)
    av = np.asarray(available, bool) | obs
    n = av.shape[-1]
    if len(pillar_of) != n:
        raise SpecError(f"pillar_of has {len(pillar_of)} entries for {n} indicators")
    coverage = av.sum(-1) / n
    n_av = av.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        imputed_share = np.where(n_av > 0, (av & ~obs).sum(-1) / np.maximum(n_av, 1), np.nan)
    pillars = list(dict.fromkeys(pillar_of))
    pcov = np.stack(
        [av[..., [p == q for q in pillar_of]].mean(-1) for p in pillars], axis=-1
    )  # (..., n_pillars)
    names = pillar_names or {}
    reasons = np.full(coverage.shape, "", dtype=object)
    for idx in np.ndindex(coverage.shape):
        parts = []
        if coverage[idx] < min_coverage:
            parts.append(
                f"coverage {coverage[idx]:.1%} of {n} indicators is below {min_coverage:.0%}"
            )
        thin = [names.get(p, p) for p, c in zip(pillars, pcov[idx], strict=True)
                if c < min_pillar_coverage]  # fmt: skip
        if thin:
            parts.append(f"too few indicators for {', '.join(thin)}")
        if n_av[idx] > 0 and imputed_share[idx] > max_imputed:
            parts.append(
                f"{imputed_share[idx]:.1%} of the values are carried forward from earlier "
                f"years (limit {max_imputed:.0%})"
            )
        reasons[idx] = "; ".join(parts)
    scored = reasons == ""
    return scored, coverage, imputed_share, reasons


@dataclass(frozen=True)
class AciResult:
    """ACI scores for every universe economy and built year, with status and bands.

    ``frame`` is tidy: one row per (economy, year, node) with the columns of ``index build``
    (economy, economy_name, year, node, node_name, level, score, rank, raw_value, coverage,
    imputed_share, included) plus ``status`` ('scored' / 'insufficient data'), ``reason``,
    ``score_p05``, ``score_p95``, ``rank_p05``, ``rank_p95`` (bands of the root and the
    pillars for every year in ``band_years`` — each built year with at least three scored
    economies; ``band_year`` is the latest of them).
    """

    frame: pd.DataFrame
    years: tuple[int, ...]
    latest_year: int
    band_year: int | None
    framework: str
    band_years: tuple[int, ...] = ()
    provenance: Mapping[str, Any] = field(default_factory=dict)
    complete_years: tuple[int, ...] = ()
    result: Any = None  # the engine IndexResult of the scored build

    @property
    def root(self) -> str:
        """Code of the index node (``aci``, or ``gender`` for the lens)."""
        if self.result is not None:
            return str(self.result.tree.codes[self.result.tree.root])
        return str(self.frame["node"].to_numpy()[int(np.argmax(self.frame["level"].to_numpy()))])

    def scores_frame(self, year: int | None = None, node: str | None = None) -> pd.DataFrame:
        """One row per universe economy for ``node`` (default the index) and ``year`` (default
        the latest complete year), best rank first, insufficient data last."""
        node = self.root if node is None else node
        y = self.latest_year if year is None else year
        if y not in self.years:
            raise DataError(f"year {y} was not built; built years: {list(self.years)}")
        f = self.frame[(self.frame["year"] == y) & (self.frame["node"] == node)]
        out = f.rename(columns={"economy_name": "name"}).copy()
        out["rank"] = out["rank"].astype("Float64").astype(float)
        return out.sort_values(["rank", "economy"], na_position="last").reset_index(drop=True)

    def movers(self, top: int = 5, *, since: int | None = None) -> pd.DataFrame:
        """Biggest ACI rank changes from ``since`` (default: the first complete year) to the
        latest year, among the economies scored in both (ranks recomputed on that common set,
        so a change is a change of position, not of the number of economies scored)."""
        y1 = self.latest_year
        y0 = since if since is not None else min(self.complete_years or (y1,))
        a: dict[str, float] = dict(
            zip(self.scores_frame(y0)["economy"], self.scores_frame(y0)["rank"], strict=True)
        )
        fb = self.scores_frame(y1)
        b: dict[str, float] = dict(zip(fb["economy"], fb["rank"], strict=True))
        names: dict[str, str] = dict(zip(fb["economy"], fb["name"], strict=True))
        both = [e for e in b if e in a and np.isfinite(a[e]) and np.isfinite(b[e])]
        # re-rank on the common set
        a = {
            e: float(r)
            for e, r in zip(both, pd.Series([a[e] for e in both]).rank(method="min"), strict=True)
        }
        b = {
            e: float(r)
            for e, r in zip(both, pd.Series([b[e] for e in both]).rank(method="min"), strict=True)
        }
        df = pd.DataFrame(
            {
                "economy": both,
                "name": [names[e] for e in both],
                "rank_from": [int(a[e]) for e in both],
                "rank_to": [int(b[e]) for e in both],
            }
        )
        if y0 == y1 or df.empty:
            return df.iloc[0:0].assign(change=pd.Series(dtype=int))
        df["change"] = (df["rank_from"] - df["rank_to"]).astype(int)
        df = df.reindex(df["change"].abs().sort_values(ascending=False).index).head(top)
        df.attrs["from_year"] = y0
        return df.reset_index(drop=True)

    def write(self, path: str | Path) -> Path:
        """Write the tidy table to ``.csv`` or ``.parquet`` (chosen by the suffix)."""
        p = Path(path)
        if p.suffix.lower() == ".csv":
            self.frame.to_csv(p, index=False, float_format="%.17g")
        elif p.suffix.lower() in (".parquet", ".pq"):
            self.frame.to_parquet(p, index=False)
        else:
            raise SpecError(f"output must end in .csv or .parquet; got {p.name!r}")
        return p


def _with_expert_inputs(fw: Any, available_codes: set[str]) -> Any:
    """The framework plus the expert-input indicators that have data in the store.

    Only inputs whose parent node exists in ``fw`` join (the gender lens has no
    ``gov_digital`` node, so the AI-strategy input never joins it).
    """
    from aibridge.frameworks.schema import IndicatorModel

    nodes = {n.code for n in fw.nodes}

    extra = [
        IndicatorModel(
            code=e["code"],
            source=e["source"],
            name=e["name"],
            unit=e["unit"],
            parent=e["parent"],
            direction=e["direction"],
        )
        for e in EXPERT_INPUTS
        if e["source"] in available_codes and e["parent"] in nodes
    ]
    if not extra:
        return fw
    data = fw.model_dump()
    data["indicators"] = [*data["indicators"], *[x.model_dump() for x in extra]]
    new = type(fw).model_validate(data)
    new._path = fw._path
    return new


def _pillar_of(tree: Any, n_ind: int, pillars: Sequence[str]) -> list[str]:
    codes = list(tree.codes)
    out = []
    for j in range(n_ind):
        found = next(
            (p for p in pillars if j in set(np.asarray(tree.descendants(codes.index(p))).tolist())),
            None,
        )
        out.append(found or "other")
    return out


#: Coverage-rule defaults by the framework's root node: the gender & inclusion lens has no
#: sub-pillar minimum (see :func:`build_aci_gender`).
_MIN_PILLAR_COVERAGE: dict[str, float] = {"gender": 0.0}


def default_min_pillar_coverage(fw: Any) -> float:
    """The sub-pillar minimum of the coverage rule for a framework: 1/3, none (0) for the
    gender & inclusion lens (root node ``gender``), wherever the lens is built."""
    roots = [n.code for n in fw.nodes if not getattr(n, "parent", None)]
    return _MIN_PILLAR_COVERAGE.get(roots[0] if len(roots) == 1 else "", 1 / 3)


@dataclass(frozen=True)
class AciBuild:
    """The ACI (or the gender lens) built on one store, before the published table.

    :func:`prepare_aci` makes it; :meth:`publish` turns it into the :class:`AciResult` that
    ``aibridge aci build`` writes (tidy rows, coverage status, bands); :meth:`bands` gives one
    year's Monte Carlo bands. The CLI, the web app and the API all build the ACI through it.

    ``spec`` and ``panel`` are the published build's recipe and data: the post-imputation
    values of the scored economy-years (NaN elsewhere), rebuilt without the denominate and
    impute stages, so min-max bounds and ranks are those of the published set; ``result`` is
    that build (every year of the panel). ``full`` is the first build on every universe
    economy. ``scored``, ``coverage``, ``imputed_share`` and ``reasons`` are the coverage rule
    per (year, economy) of the panel.
    """

    framework: Any
    spec: Any
    panel: Any
    result: Any
    full: Any
    scored: np.ndarray
    coverage: np.ndarray
    imputed_share: np.ndarray
    reasons: np.ndarray
    complete: tuple[int, ...]  # year indices meeting the 80 % rule
    latest_year: int  # the latest complete year (or the year with most scores)
    last_data_year: int
    rule: Mapping[str, float] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return str(self.result.tree.codes[self.result.tree.root])

    def reason(self, economy: str, year: int) -> str:
        """Why ``economy`` has no score in ``year`` ('' when it has one)."""
        t = self.panel.years.index(year)
        return str(self.reasons[t, self.panel.economies.index(economy)])

    def bands(self, year: int, n: int = 200, seed: int = 0) -> pd.DataFrame | None:
        """p05/p95 of score and rank of the root and the pillars for every scored economy of
        ``year`` (None with fewer than three scored): exactly the bands :meth:`publish` puts in
        the table for that year, with the same ``n`` and ``seed``."""
        t = self.panel.years.index(year)
        keep = np.flatnonzero(self.scored[t])
        if len(keep) < 3:
            return None
        return index_bands(self.spec, self.panel, year, n=n, seed=seed, economies=keep)

    def publish(
        self,
        *,
        year: int | None = None,
        since: int = 2015,
        n_uncertainty: int = 200,
        seed: int = 0,
    ) -> AciResult:
        """The published table: ``year`` (default every year from ``since`` to the last year
        with data), coverage status and reasons, and bands from ``n_uncertainty`` Monte Carlo
        replications for every built year (0: none)."""
        panel, res, full = self.panel, self.result, self.full
        n_y = len(panel.years)
        latest_year = self.latest_year
        if year is not None:
            if year not in panel.years:
                raise DataError(f"year {year} is not in the data (it has {list(panel.years)})")
            sel = [panel.years.index(year)]
            latest_year = int(year)
        else:
            last = panel.years.index(self.last_data_year)
            sel = [t for t in range(n_y) if since <= panel.years[t] <= panel.years[last]]
        tidy = res.to_frame()
        tidy = tidy[tidy["year"].isin([panel.years[t] for t in sel])].copy()
        # Coverage/imputation columns from the rule (the rebuilt stages hold imputed values).
        e_idx = {e: i for i, e in enumerate(panel.economies)}
        y_idx = {y: t for t, y in enumerate(panel.years)}
        ti = tidy["year"].map(y_idx).to_numpy()
        ei = tidy["economy"].map(e_idx).to_numpy()
        n_ind = len(self.spec.indicator_codes)
        is_root = (tidy["node"] == self.root).to_numpy()
        raw_cov = full.coverage()
        raw_imp = full.imputed_share()
        node_col = tidy["node"].map({c: k for k, c in enumerate(full.tree.codes)}).to_numpy()
        after = full.stages.get("imputed", full.stages.get("denominated", full.stages["raw"]))
        tidy["coverage"] = np.where(is_root, self.coverage[ti, ei], raw_cov[ti, ei, node_col])
        tidy["imputed_share"] = np.where(
            is_root, self.imputed_share[ti, ei], raw_imp[ti, ei, node_col]
        )
        tidy["raw_value"] = np.where(
            node_col < n_ind, after[ti, ei, np.minimum(node_col, n_ind - 1)], np.nan
        )
        tidy["status"] = np.where(self.scored[ti, ei], "scored", "insufficient data")
        tidy["reason"] = self.reasons[ti, ei]
        for c in BAND_COLUMNS:
            tidy[c] = np.nan
        band_year = None
        band_years: list[int] = []
        if n_uncertainty > 0:
            band_year = latest_year
            # Every built year gets its own band (same draws, seeded): a score never stands
            # without its uncertainty.
            for t in sel:
                y = int(panel.years[t])
                bands = self.bands(y, n_uncertainty, seed)
                if bands is None:
                    continue
                band_years.append(y)
                m = (tidy["year"] == y).to_numpy()
                tidy.loc[m, list(BAND_COLUMNS)] = band_values(tidy.loc[m], bands)
        tidy = tidy.sort_values(["year", "node", "rank", "economy"], na_position="last")
        tidy = tidy.reset_index(drop=True)
        prov = {**res.provenance(), "coverage_rule": dict(self.rule)}
        return AciResult(
            frame=tidy,
            years=tuple(int(panel.years[t]) for t in sel),
            latest_year=latest_year,
            band_year=band_year,
            band_years=tuple(band_years),
            framework=self.framework.name,
            provenance=prov,
            complete_years=tuple(int(panel.years[t]) for t in self.complete if t in sel),
            result=res,
        )


#: Band columns of the published table, in the order :func:`band_values` returns them.
BAND_COLUMNS: tuple[str, ...] = ("score_p05", "score_p95", "rank_p05", "rank_p95")


def band_values(rows: pd.DataFrame, bands: pd.DataFrame) -> np.ndarray:
    """``(len(rows), 4)`` array of :data:`BAND_COLUMNS` for ``rows`` (columns economy, node)
    from a bands summary (:func:`index_bands`); NaN where the summary has no row."""
    key = pd.MultiIndex.from_arrays([rows["economy"].to_numpy(), rows["node"].to_numpy()])
    b = bands.set_index(["economy", "node"])
    src = ("p05_score", "p95_score", "p05_rank", "p95_rank")
    return np.column_stack([b[c].reindex(key).to_numpy(dtype=float) for c in src])


def band_spec(spec: Any) -> Any:
    """The uncertainty design of every band aibridge publishes, fitted to ``spec``'s tree:
    each weight of the levels between the indicators and the index times U(0.75, 1.25) (COINr
    ``get_noisy_weights``) and leave-one-indicator-out; reported for the index and its pillars
    (the nodes one level below it)."""
    from aibridge.analysis.uncertainty import UncertaintySpec
    from aibridge.engine.spec import compile_tree

    tree = compile_tree(spec)
    top = max(tree.levels)
    targets = [c for c, lv in zip(tree.codes, tree.levels, strict=True) if lv >= top - 1]
    levels = [lv for lv in range(2, top)] or [1]
    return UncertaintySpec.parse(
        {
            **_DEFAULT_UNCERTAINTY,
            "weights": {**_DEFAULT_UNCERTAINTY["weights"], "levels": levels},
            "targets": targets,
        }
    )


def index_bands(
    spec: Any,
    panel: Any,
    year: int,
    *,
    n: int = 200,
    seed: int = 0,
    economies: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """5-95 % bands of score and rank for ``year`` of any framework (:func:`band_spec`, ``n``
    Monte Carlo replications, ``seed``): the summary of
    :func:`aibridge.analysis.uncertainty.run_uncertainty` (economy, node, nominal_score,
    nominal_rank, p05_rank, p95_rank, p05_score, p95_score, ...). ``economies``: panel indices
    to keep (the ACI keeps its scored economies; default all)."""
    from aibridge.analysis.uncertainty import IndexPlan, run_uncertainty

    sub = panel
    if economies is not None:
        keep = np.asarray(economies, dtype=np.intp)
        sub = dataclasses.replace(
            panel,
            values=panel.values[:, keep, :],
            economies=tuple(panel.economies[i] for i in keep),
            imputed=None if panel.imputed is None else panel.imputed[:, keep, :],
            groups={},
        )
    plan = IndexPlan(spec, sub, year=year)
    return run_uncertainty(plan, band_spec(spec), n, seed=seed).summary()


def prepare_aci(
    store: Any,
    *,
    framework: Any = "aci",
    min_coverage: float = 0.6,
    max_imputed: float = 0.5,
    min_pillar_coverage: float | None = None,
    universe: Sequence[str] | None = None,
) -> AciBuild:
    """Build the ACI (or the gender lens, ``framework='aci_gender'``) on an open
    :class:`~aibridge.store.Store` — the one implementation behind ``aibridge aci build``, the
    web app and the API.

    ``framework``: a built-in name, a YAML path or a loaded ``Framework``; the expert inputs
    with data in the store join it. ``min_pillar_coverage``: default
    :func:`default_min_pillar_coverage`. ``universe``: ISO3 codes to score (default the UN
    member and observer states); universe economies without any data are listed as
    'insufficient data'.
    """
    from aibridge.engine.build import build_index
    from aibridge.engine.spec import Panel
    from aibridge.frameworks import load_framework, load_panel
    from aibridge.frameworks.schema import Framework

    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    if min_pillar_coverage is None:
        min_pillar_coverage = default_min_pillar_coverage(fw)
    codes = set(store.indicators()["code"].astype(str))
    econ_table = store.economies(include_aggregates=True)
    fw = _with_expert_inputs(fw, codes)
    panel = load_panel(fw, store=store)
    uni = set(universe if universe is not None else aci_universe(econ_table))
    keep = [i for i, e in enumerate(panel.economies) if e in uni]
    if not keep:
        raise DataError(f"no UN member state has data for {fw.name}; run `aibridge import shared`")
    panel = dataclasses.replace(
        panel,
        values=panel.values[:, keep, :],
        economies=tuple(panel.economies[i] for i in keep),
        imputed=None if panel.imputed is None else panel.imputed[:, keep, :],
        groups={k: tuple(v[i] for i in keep) for k, v in panel.groups.items()},
    )
    absent = sorted(uni - set(panel.economies))
    if absent:  # no data at all: still listed, as "insufficient data" (never a silent gap)
        names_all = dict(zip(econ_table["iso3"], econ_table["name"], strict=True))
        pad = np.full((len(panel.years), len(absent), len(panel.indicators)), np.nan)
        panel = dataclasses.replace(
            panel,
            values=np.concatenate([panel.values, pad], axis=1),
            economies=(*panel.economies, *absent),
            imputed=None
            if panel.imputed is None
            else np.concatenate([panel.imputed, np.zeros(pad.shape, bool)], axis=1),
            groups={k: (*v, *([None] * len(absent))) for k, v in panel.groups.items()},
            economy_names={**panel.economy_names, **{e: names_all.get(e, e) for e in absent}},
        )
    spec = fw.to_spec()
    full = build_index(spec, panel)  # every year: the 'latest' imputation needs the history
    n_ind = len(spec.indicator_codes)
    expert = {e["code"] for e in EXPERT_INPUTS}
    counted = np.array([c not in expert for c in spec.indicator_codes])
    before = full.stages.get("denominated", full.stages["raw"])
    after = full.stages.get("imputed", before)
    observed = ~np.isnan(before)
    available = ~np.isnan(after)
    pillar_of = _pillar_of(full.tree, n_ind, [p for p in PILLARS if p in full.tree.codes]
                           or [c for c, lv in zip(full.tree.codes, full.tree.levels, strict=True)
                               if lv == max(full.tree.levels) - 1])  # fmt: skip
    names = {c: (n or c) for c, n in zip(full.tree.codes, full.tree.names, strict=True)}
    scored, coverage, imp_share, reasons = coverage_status(
        observed[..., counted],
        available[..., counted],
        [p for p, c in zip(pillar_of, counted, strict=True) if c],
        pillar_names=names,
        min_coverage=min_coverage,
        max_imputed=max_imputed,
        min_pillar_coverage=min_pillar_coverage,
    )
    # Rebuild on the scored economy-years only: pre-imputed values, no denominate/impute stage.
    values = np.where(scored[..., None], after, np.nan)
    spec2 = dataclasses.replace(
        spec,
        stages=tuple(s for s in spec.stages if s not in ("denominate", "impute")),
        indicators=tuple(dataclasses.replace(i, denominator=None) for i in spec.indicators),
    )
    panel2 = Panel(
        values,
        panel.years,
        panel.economies,
        tuple(spec.indicator_codes),
        imputed=np.asarray(full.imputed) & scored[..., None],
        vintage=panel.vintage,
        economy_names=dict(panel.economy_names),
    )
    res = build_index(spec2, panel2)
    n_y = len(panel.years)
    n_scored = scored.sum(axis=1)
    with_data = [t for t in range(n_y) if available[t].any()]
    if not with_data:
        raise DataError(f"the store has no values for the {fw.name} indicators")
    n_with_data = int(available.any(axis=(0, 2)).sum())  # economies with any value at all
    complete = [t for t in range(n_y) if n_scored[t] >= 0.8 * n_with_data]
    latest_t = complete[-1] if complete else int(np.argmax(n_scored))
    return AciBuild(
        framework=fw,
        spec=spec2,
        panel=panel2,
        result=res,
        full=full,
        scored=scored,
        coverage=coverage,
        imputed_share=imp_share,
        reasons=reasons,
        complete=tuple(complete),
        latest_year=int(panel.years[latest_t]),
        last_data_year=int(panel.years[with_data[-1]]),
        rule={
            "min_coverage": min_coverage,
            "max_imputed": max_imputed,
            "min_pillar_coverage": min_pillar_coverage,
        },
    )


def build_aci(
    *,
    year: int | None = None,
    store_path: str | None = None,
    store: Any = None,
    framework: Any = "aci",
    n_uncertainty: int = 200,
    seed: int = 0,
    save: bool = False,
    min_coverage: float = 0.6,
    max_imputed: float = 0.5,
    min_pillar_coverage: float | None = None,
    since: int = 2015,
    universe: Sequence[str] | None = None,
) -> AciResult:
    """Build the ACI (or the gender lens with ``framework='aci_gender'``) from the store.

    ``store``: an open :class:`~aibridge.store.Store` (a server's connection); otherwise the
    store file ``store_path`` is opened read-only (and for writing only to ``save``).
    ``year``: one year (default every year from ``since`` to the last year with data).
    ``n_uncertainty``: Monte Carlo replications for the bands of every built year; 0 skips
    them. ``save``: store the scores as a derived dataset. ``min_pillar_coverage``: default
    1/3, none for the gender lens (:func:`default_min_pillar_coverage`).
    """
    from aibridge.store import Store

    rule = {
        "framework": framework,
        "min_coverage": min_coverage,
        "max_imputed": max_imputed,
        "min_pillar_coverage": min_pillar_coverage,
        "universe": universe,
    }
    if store is not None:
        built = prepare_aci(store, **rule)
    else:
        with Store.open(store_path, read_only=True) as st:
            built = prepare_aci(st, **rule)
    out = built.publish(year=year, since=since, n_uncertainty=n_uncertainty, seed=seed)
    if save:
        batch = built.result.to_batch(prefix="IDX")
        if store is not None:
            store.ingest(batch)
        else:
            with Store.open(store_path) as st:
                st.ingest(batch)
    return out


def build_aci_gender(**kwargs: Any) -> AciResult:
    """The gender & inclusion lens (``aci_gender.yaml``) with the same coverage rule, except
    that no sub-pillar minimum applies (``min_pillar_coverage=0``): the sex-disaggregated
    digital series (SDG 5.b.1 mobile ownership, 4.4.1 ICT skills) cover about 50 economies, and
    requiring them would leave the lens empty for most of the world; the overall 60 % coverage
    and the 50 % imputation limits still apply."""
    kwargs.setdefault("framework", "aci_gender")
    kwargs.setdefault("min_pillar_coverage", 0.0)
    return build_aci(**kwargs)
