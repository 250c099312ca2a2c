"""``aibridge aci profile|divide|scenario|path``: divide analytics on the command line.

Attached to the ACI group (:data:`aibridge.cli.commands_aci.aci_app`). Every command takes
``--framework`` (default ``aci``; any framework file or built-in name such as ``hdi`` works),
so the analytics are the same for every composite index.

Groupings come from the store's economies table: ``region`` = World Bank region (the UN M49
region where the store has no World Bank regions), ``subregion`` = UN M49 sub-region,
``income`` = World Bank income group. A framework whose data loader supplies its own groups
(``region``, ``income_group``) uses those.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from aibridge.cli.commands_aci import aci_app
from aibridge.errors import DataError

console = Console()

FRAMEWORK_OPT = typer.Option("aci", "--framework", help="Framework file or built-in name.")
STORE_OPT = typer.Option(None, "--store", help="Store file (default: AIBRIDGE_HOME).")
YEAR_OPT = typer.Option(None, "--year", help="Year (default: the latest built year).")


@dataclass
class _Context:
    name: str
    spec: Any
    panel: Any
    result: Any  # IndexResult, every year of the panel
    groups: dict[str, tuple[Any, ...]]
    group_note: str
    source_codes: dict[str, str]  # framework code -> source code
    year: int


def _groups(panel: Any, store: str | None) -> tuple[dict[str, tuple[Any, ...]], str]:
    own = dict(panel.groups)
    out: dict[str, tuple[Any, ...]] = {}
    if "region" in own:
        out["region"] = tuple(own["region"])
    if "income_group" in own:
        out["income"] = tuple(own["income_group"])
    if out:
        return out, "groups from the framework's data"
    try:
        from aibridge.store import Store

        with Store.open(store, read_only=True) as st:
            table = st.economies(include_aggregates=True).set_index("iso3")
    except Exception:  # no store: the analytics run without groupings
        return {}, "no store with economy groupings"

    def col(name: str) -> tuple[Any, ...]:
        if name not in table.columns:
            return tuple(None for _ in panel.economies)
        series = table[name]
        vals = {str(k): v for k, v in series.items() if isinstance(v, str) and v}
        return tuple(vals.get(e) for e in panel.economies)

    wb, un = col("wb_region"), col("un_region")
    has_wb = sum(v is not None for v in wb) >= 0.5 * len(wb)
    out["region"] = wb if has_wb else un
    out["subregion"] = col("un_subregion")
    out["income"] = col("income_group")
    note = "region = World Bank region" if has_wb else "region = UN M49 region"
    return out, note


def _context(framework: str, store: str | None, year: int | None) -> _Context:
    import numpy as np

    from aibridge.engine.build import build_index
    from aibridge.engine.spec import Panel
    from aibridge.frameworks import load_framework, load_panel

    fw = load_framework(framework)
    source_codes = dict(fw.source_codes())
    if framework in ("aci", "aci_gender"):
        from aibridge.analysis.aci import build_aci

        aci = build_aci(framework=framework, store_path=store, n_uncertainty=0, save=False)
        result = aci.result
        spec = result.spec
        # the ACI's published build: scored economies only, imputed values already in place
        panel = Panel(
            result.stages["raw"],
            result.years,
            result.economies,
            tuple(spec.indicator_codes),
            imputed=result.imputed,
            economy_names=dict(result.economy_names),
        )
        groups, note = _groups(panel, store)
        y = aci.latest_year if year is None else year
    else:
        panel = load_panel(fw, store_path=store)
        spec = fw.to_spec()
        result = build_index(spec, panel)
        groups, note = _groups(panel, store)
        y = result.years[-1] if year is None else year
    if y not in result.years:
        raise DataError(f"year {y} is not in the data (it has {list(result.years)})")
    with np.errstate(all="ignore"):
        top = float(np.nanmax(np.abs(result.scores))) if np.isfinite(result.scores).any() else 0
    _DIGITS["extra"] = 2 if top <= 1.5 else 0
    return _Context(fw.name, spec, panel, result, groups, note, source_codes, int(y))


#: Extra decimals for indices on a 0-1 scale (HDI): set by :func:`_context`.
_DIGITS = {"extra": 0}


def _fmt(v: Any, nd: int = 1) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(x) else f"{x:.{nd + _DIGITS['extra']}f}"


def _rank(v: Any) -> str:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(x) else f"{int(x)}"


def _actions(nodes: list[str]) -> list[tuple[str, list[str], list[str], str]]:
    try:
        from aibridge.analysis.aci import load_action_map

        amap = load_action_map()
    except Exception:  # the map is optional for frameworks other than the ACI
        return []
    return [
        (ln["node"], list(ln.get("actions", [])), list(ln.get("sdg", [])), str(ln["reason"]))
        for ln in amap["links"]
        if ln["node"] in nodes
    ]


def _gender_lens(economy: str, store: str | None, ctx: _Context) -> None:
    """The gender & inclusion lens beside the ACI (its own framework, built the same way)."""
    try:
        from aibridge.analysis.aci import build_aci
        from aibridge.analysis.divide import gaps

        lens = build_aci(framework="aci_gender", store_path=store, n_uncertainty=0, save=False)
    except Exception as exc:  # the lens is optional beside the profile
        console.print(f"Gender & inclusion lens: not available ({exc})")
        return
    res = lens.result
    i = res.economies.index(economy) if economy in res.economies else -1
    root = res.tree.root
    scored = [not math.isnan(float(res.scores[t, i, root])) if i >= 0 else False
              for t in range(len(res.years))]  # fmt: skip
    years = [y for y, ok in zip(res.years, scored, strict=True) if ok and y <= ctx.year]
    if not years:
        why = ""
        try:
            f = lens.scores_frame(lens.latest_year).set_index("economy")
            reason = str(f.loc[economy, "reason"]) if economy in f.index else ""
            why = f" ({reason})" if reason else ""
        except Exception:  # the reason is a courtesy
            why = ""
        console.print(f"Gender & inclusion lens: insufficient data for {economy}{why}")
        return
    year = years[-1]
    groups = {g: tuple(ctx.groups[g][ctx.result.economies.index(e)]
                       if e in ctx.result.economies else None for e in res.economies)
              for g in ctx.groups if g != "subregion"}  # fmt: skip
    g = gaps(res, groups, year=year)
    mine = g[g["economy"] == economy]
    names = dict(zip(res.tree.codes, res.tree.names, strict=True))
    t = Table(title=f"Gender & inclusion lens — {economy}, {year} (beside the ACI)")
    for c in ("node", "score", "rank", *(f"gap to {gn}" for gn in groups)):
        t.add_column(c, justify="left" if c == "node" else "right")
    for r in mine.to_dict("records"):
        t.add_row(f"{r['node']} {names.get(r['node']) or ''}".strip(), _fmt(r["score"]),
                  _rank(r["rank"]), *(_fmt(r[f"gap_{gn}"]) for gn in groups))  # fmt: skip
    console.print(t)


@aci_app.command("profile")
def profile(
    economy: str = typer.Argument(..., help="ISO3 code, e.g. KEN."),
    framework: str = FRAMEWORK_OPT,
    year: int | None = YEAR_OPT,
    store: str | None = STORE_OPT,
    k: int = typer.Option(5, "--peers", help="Nearest-neighbour peers to list."),
    target_year: int = typer.Option(2030, "--target-year", help="Projection year."),
    trend: str = typer.Option("ols", "--trend", help="Trend line: ols or theilsen (robust)."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write gaps, bottleneck and projection per node to FILE.csv."
    ),
) -> None:
    """Pillars vs peers, bottleneck, nearest peers, gaps mapped to actions, 2030 projection."""
    from aibridge.analysis.divide import bottleneck, gaps, nearest_peers
    from aibridge.analysis.projection import project

    economy = economy.upper()
    ctx = _context(framework, store, year)
    res = ctx.result
    if economy not in res.economies:
        raise DataError(f"{economy} is not scored by {ctx.name}; use an ISO3 code such as KEN")
    name = res.economy_names.get(economy, "")
    g = gaps(res, ctx.groups, year=ctx.year)
    mine = g[g["economy"] == economy]
    root = res.tree.codes[res.tree.root]
    if math.isnan(float(mine.loc[mine["node"] == root, "score"].iloc[0])):
        raise DataError(f"{economy} has no {ctx.name} score in {ctx.year} (insufficient data)")
    names = dict(zip(res.tree.codes, res.tree.names, strict=True))
    t = Table(title=f"{ctx.name} — {economy} {name}, {ctx.year}")
    for c in ("node", "score", "rank", "gap to frontier"):
        t.add_column(c, justify="left" if c == "node" else "right")
    for gname in ctx.groups:
        t.add_column(f"{gname} median", justify="right")
        t.add_column(f"gap to {gname}", justify="right")
    for r in mine.to_dict("records"):
        row = [f"{r['node']} {names.get(r['node']) or ''}".strip(), _fmt(r["score"]),
               _rank(r["rank"]), _fmt(r["gap_frontier"])]  # fmt: skip
        for gname in ctx.groups:
            row += [_fmt(r[f"{gname}_median"]), _fmt(r[f"gap_{gname}"])]
        t.add_row(*row)
    console.print(t)
    bottleneck_pillar: str | None = None
    if ctx.groups:
        labels = ", ".join(
            f"{gname}: {ctx.groups[gname][res.economies.index(economy)] or '-'}"
            for gname in ctx.groups
        )
        console.print(f"Peers ({ctx.group_note}): {labels}")
        gname = "region" if "region" in ctx.groups else next(iter(ctx.groups))
        b = bottleneck(res, economy, ctx.groups, grouping=gname, year=ctx.year)
        bottleneck_pillar = b.pillar
        if b.pillar is not None:
            console.print(
                f"Bottleneck pillar: [bold]{b.pillar}[/] {names.get(b.pillar) or ''} "
                f"({_fmt(b.gap)} points vs the {gname} median; {b.reason})"
            )
    try:
        peers = nearest_peers(res, economy, year=ctx.year, k=k)
        console.print(
            "Nearest peers on the pillar scores: "
            + ", ".join(f"{p.economy} ({_fmt(p.distance)})" for p in peers.itertuples())
        )
    except DataError as exc:
        console.print(f"Nearest peers: {exc}")
    # every aggregate node (pillars and sub-pillars) behind a peer group, largest gap first
    agg = [c for c, lv in zip(res.tree.codes, res.tree.levels, strict=True) if lv > 1]
    agg = [c for c in agg if c != root]
    sub = gaps(res, ctx.groups, year=ctx.year, nodes=agg)
    sub = sub[sub["economy"] == economy]
    gap_cols = [f"gap_{gn}" for gn in ctx.groups if gn != "subregion"]
    behind: dict[str, float] = {}
    for r in sub.to_dict("records"):
        worst = min((float(r[c]) for c in gap_cols if r[c] == r[c]), default=math.nan)
        if worst < 0:
            behind[str(r["node"])] = worst
    order = sorted(behind, key=lambda c: behind[c])
    links = {n: (a, sg, why) for n, a, sg, why in _actions(order)}
    if links:
        t = Table(title="Gaps to peers mapped to Action Plan actions and SDG targets "
                  "(action_map.yaml)")  # fmt: skip
        for c in ("node behind peers", "largest gap", "actions", "SDG targets", "reason"):
            t.add_column(c, justify="right" if c == "largest gap" else "left")
        for node in order:
            if node in links:
                acts, sdg, reason = links[node]
                t.add_row(f"{node} {names.get(node) or ''}".strip(), _fmt(behind[node]),
                          ", ".join(acts), ", ".join(sdg), reason)  # fmt: skip
        console.print(t)
    elif behind:
        console.print(
            "Behind peers on: "
            + ", ".join(f"{n} ({_fmt(behind[n])})" for n in order)
            + " (no action map links for this framework)"
        )
    if framework == "aci":
        _gender_lens(economy, store, ctx)
    if trend not in ("ols", "theilsen"):
        raise DataError(f"--trend must be ols or theilsen; got {trend!r}")
    proj = project(res, target_year=target_year, economies=[economy], method=trend)  # type: ignore[arg-type]
    label = "OLS" if trend == "ols" else "Theil-Sen"
    t = Table(title=f"Projection to {target_year} ({label} trend, 90 % prediction interval)")
    for c in ("node", "last", "projection", "interval", "slope/yr", "confidence"):
        t.add_column(c, justify="left" if c in ("node", "confidence") else "right")
    for pr in proj.to_dict("records"):
        t.add_row(
            str(pr["node"]),
            f"{_fmt(pr['last_score'])} ({pr['last_year']})",
            _fmt(pr["projection"]),
            f"{_fmt(pr['lower'])}–{_fmt(pr['upper'])}",
            _fmt(pr["slope"], 2),
            f"low: {pr['reasons']}" if pr["low_confidence"] else "ok",
        )
    console.print(t)
    if out is not None:
        table = mine.merge(
            proj[["node", "projection", "lower", "upper", "level", "low_confidence", "reasons"]],
            on="node",
            how="left",
        )
        table["bottleneck"] = table["node"] == bottleneck_pillar
        table.to_csv(out, index=False, float_format="%.17g")
        console.print(f"Wrote {len(table)} rows to {out}")


@aci_app.command("divide")
def divide(
    by: str = typer.Option("region", "--by", help="Grouping: region, subregion or income."),
    framework: str = FRAMEWORK_OPT,
    store: str | None = STORE_OPT,
    node: str | None = typer.Option(None, "--node", help="Node (default: the index)."),
    since: int | None = typer.Option(None, "--since", help="First year (default: all)."),
    balanced: bool = typer.Option(
        True, "--balanced/--unbalanced", help="Only economies scored in every year."
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write the table to FILE.csv."),
    save: bool = typer.Option(
        False,
        "--save",
        help="Store the gaps (every economy, pillar and year) and the inequality series (as "
        "economy WLD) in the store as a derived dataset (DIV.<framework>.*).",
    ),
) -> None:
    """Inequality between and within groups over time (Gini, Theil), sigma and beta convergence."""
    import dataclasses

    import numpy as np

    from aibridge.analysis.divide import (
        beta_convergence,
        inequality_over_time,
        sigma_convergence,
    )

    ctx = _context(framework, store, None)
    if by not in ("region", "subregion", "income"):
        raise DataError(f"--by must be region, subregion or income; got {by!r}")
    if by not in ctx.groups or all(v is None for v in ctx.groups[by]):
        raise DataError(
            f"no {by} labels ({ctx.group_note}); import the WDI country metadata "
            "(`aibridge import shared`) or use --by subregion"
        )
    res = ctx.result
    keep = [t for t, y in enumerate(res.years) if since is None or y >= since]
    # only years with scores (the ACI panel reaches back before its first scored year)
    rootk = res.tree.root
    keep = [t for t in keep if int(np.sum(~np.isnan(res.scores[t, :, rootk]))) >= 3]
    if len(keep) < 1:
        raise DataError("no year has at least 3 scored economies")
    sub = dataclasses.replace(
        res,
        years=tuple(res.years[t] for t in keep),
        scores=res.scores[keep],
        ranks=res.ranks[keep],
    )
    frame = inequality_over_time(sub, node=node, groups={by: ctx.groups[by]}, balanced=balanced)
    label = node or res.tree.codes[res.tree.root]
    t = Table(title=f"{ctx.name} — {label}: inequality across economies by {by} ({ctx.group_note})")
    cols = [("year", "year", 0), ("n", "n", 0), ("mean", "mean", 1), ("cv", "cv", 3),
            ("gini", "Gini", 3), ("theil", "Theil T", 4),
            (f"theil_between_{by}", "between", 4), (f"theil_within_{by}", "within", 4),
            (f"theil_between_share_{by}", "between share", 2)]  # fmt: skip
    for _c, head, _nd in cols:
        t.add_column(head, justify="right")
    for r in frame.to_dict("records"):
        t.add_row(*[str(int(r[c])) if nd == 0 else _fmt(r.get(c, math.nan), nd)
                    for c, _h, nd in cols])  # fmt: skip
    console.print(t)
    most = int(max(np.sum(~np.isnan(sub.scores[t, :, rootk])) for t in range(len(sub.years))))
    if balanced and len(frame) and int(frame["n"].iloc[0]) < 0.8 * most:
        console.print(
            f"Note: the balanced panel keeps {int(frame['n'].iloc[0])} economies scored in every "
            f"year {sub.years[0]}–{sub.years[-1]} (up to {most} are scored in one year); use "
            "--since YEAR for more economies or --unbalanced for every scored economy each year."
        )
    sig = sigma_convergence(sub, node=node, balanced=balanced)
    if "cv_slope" in sig.attrs:
        console.print(
            f"Sigma convergence: cv trend {sig.attrs['cv_slope']:+.4f}/yr "
            f"(SE {sig.attrs['cv_slope_se']:.4f}, p = {sig.attrs['cv_slope_p']:.3g}) — "
            + ("converging" if sig.attrs["converging"] else "no significant convergence")
        )
    if len(sub.years) >= 2:
        bc = beta_convergence(sub, node=node)
        console.print(
            f"Beta convergence {bc.start}–{bc.end} ({bc.form} form, n = {bc.n}): "
            f"beta = {bc.beta:+.4f} (SE {bc.se:.4f}, p = {bc.p_value:.3g}, R² = {bc.r2:.2f})"
            + (f", speed {bc.speed:.2%}/yr" if bc.speed is not None else "")
            + (" — laggards catch up" if bc.converging else " — no significant catch-up")
        )
    if out is not None:
        frame.to_csv(out, index=False, float_format="%.17g")
        console.print(f"Wrote {len(frame)} rows to {out}")
    if save:
        from aibridge.analysis.divide import divide_batch
        from aibridge.store import Store

        batch = divide_batch(sub, {g: v for g, v in ctx.groups.items() if g != "subregion"})
        with Store.open(store) as st:
            report = st.ingest(batch)
        console.print(
            f"Stored {batch.observations.num_rows:,} divide values "
            f"({len(batch.indicators)} indicators, vintage {batch.origin.vintage}): "
            f"{report.inserted:,} new, {report.revised:,} revised, {report.unchanged:,} unchanged"
        )


def _parse_sets(sets: list[str], ctx: _Context) -> dict[str, float]:
    by_source = {v: k for k, v in ctx.source_codes.items()}
    out: dict[str, float] = {}
    for s in sets:
        code, sep, val = s.partition("=")
        if not sep:
            raise DataError(f"--set needs CODE=VALUE; got {s!r}")
        code = code.strip()
        code = code if code in ctx.panel.indicators else by_source.get(code, code)
        if code not in ctx.panel.indicators:
            example = next(iter(ctx.source_codes.values()), "IT.NET.USER.ZS")
            raise DataError(
                f"indicator {s.partition('=')[0]!r} is not in {ctx.name}; use a framework code "
                f"or its source code (e.g. {example})"
            )
        try:
            out[code] = float(val)
        except ValueError:
            raise DataError(f"--set {s!r}: the value must be a number") from None
    return out


@aci_app.command("scenario")
def scenario(
    economy: str = typer.Argument(..., help="ISO3 code, e.g. KEN."),
    sets: list[str] = typer.Option(..., "--set", help="CODE=VALUE (framework or source code)."),
    framework: str = FRAMEWORK_OPT,
    year: int | None = YEAR_OPT,
    store: str | None = STORE_OPT,
    bands: int = typer.Option(
        100, "--bands", help="Monte Carlo replications for the rank bands (0: none)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the bands' design."),
    out: Path | None = typer.Option(
        None, "--out", help="Also write baseline and scenario per node to FILE.csv."
    ),
) -> None:
    """What-if: set indicator values for one economy and rebuild the index."""
    from aibridge.analysis.scenario import run_scenario, scenario_bands

    economy = economy.upper()
    ctx = _context(framework, store, year)
    changes = _parse_sets(sets, ctx)
    sc = run_scenario(ctx.spec, ctx.panel, economy, changes, year=ctx.year)
    root_k = sc.baseline.tree.root
    if math.isnan(float(sc.baseline.scores[0, sc.baseline.economies.index(economy), root_k])):
        raise DataError(
            f"{economy} has no {ctx.name} score in {ctx.year} (insufficient data); a scenario "
            "needs a scored economy — see `aibridge aci build` for the reason"
        )
    for code, (old, new) in sc.changes.items():
        console.print(f"{code}: {_fmt(old, 3)} → {_fmt(new, 3)}")
    frame = sc.to_frame()
    shown = frame[frame["level"] > 1]
    t = Table(title=f"{ctx.name} — {economy} what-if, {ctx.year}")
    for c in ("node", "score", "new score", "change", "rank", "new rank"):
        t.add_column(c, justify="left" if c == "node" else "right")
    for sr in shown.sort_values("level", ascending=False).to_dict("records"):
        ch = _fmt(sr["score_change"], 2)
        t.add_row(str(sr["node"]), _fmt(sr["baseline_score"], 2), _fmt(sr["score"], 2),
                  ch if ch == "-" or ch.startswith("-") else f"+{ch}",
                  _rank(sr["baseline_rank"]), _rank(sr["rank"]))  # fmt: skip
    console.print(t)
    if out is not None:
        frame.assign(economy=economy, year=ctx.year).to_csv(out, index=False, float_format="%.17g")
        console.print(f"Wrote {len(frame)} rows to {out}")
    if bands > 0:
        from aibridge.analysis.uncertainty import UncertaintySpec
        from aibridge.cli.commands_uncertainty import default_spec

        tree = sc.baseline.tree
        has_treat = "treat" in ctx.spec.stages and ctx.spec.treat.method != "none"
        raw_spec: Any = default_spec(tree.max_level, has_treat)
        if framework in ("aci", "aci_gender"):  # the bands `aci build` publishes
            from aibridge.analysis import aci as aci_mod

            raw_spec = getattr(aci_mod, "_DEFAULT_UNCERTAINTY", raw_spec)
        uspec = UncertaintySpec.parse(raw_spec)
        b = scenario_bands(ctx.spec, ctx.panel, sc, uspec, n=bands, seed=seed)
        root = tree.codes[tree.root]
        for r in b[b["node"] == root].itertuples():
            console.print(
                f"{r.run}: rank band (p05–p95) {_rank(r.p05_rank)}–{_rank(r.p95_rank)}, "
                f"score band {_fmt(r.p05_score)}–{_fmt(r.p95_score)} ({bands} replications)"
            )


@aci_app.command("path")
def path(
    economy: str = typer.Argument(..., help="ISO3 code, e.g. KEN."),
    target_rank: int | None = typer.Option(None, "--target-rank", help="Rank to reach."),
    target_score: float | None = typer.Option(None, "--target-score", help="Score to reach."),
    framework: str = FRAMEWORK_OPT,
    year: int | None = YEAR_OPT,
    store: str | None = STORE_OPT,
    node: str | None = typer.Option(None, "--node", help="Node (default: the index)."),
    growth: float | None = typer.Option(
        None, "--growth", help="Cap each improvement at this % a year (default: the frontier)."
    ),
    horizon: float = typer.Option(5.0, "--horizon", help="Years for --growth."),
    out: Path | None = typer.Option(None, "--out", help="Also write the steps to FILE.csv."),
) -> None:
    """Minimal path: fewest indicator improvements (within bounds) reaching a target."""
    from aibridge.analysis.scenario import minimal_path

    if (target_rank is None) == (target_score is None):
        raise DataError("give exactly one of --target-rank or --target-score")
    economy = economy.upper()
    ctx = _context(framework, store, year)
    p = minimal_path(ctx.spec, ctx.panel, economy, target_rank=target_rank,
                     target_score=target_score, node=node, year=ctx.year, growth=growth,
                     horizon=horizon)  # fmt: skip
    bound = (
        "the frontier"
        if growth is None
        else f"the frontier, at most {growth}%/yr for {horizon} yrs"
    )
    console.print(
        f"{ctx.name} — {economy} {p.node} {ctx.year}: score {_fmt(p.baseline_score, 2)} "
        f"(rank {_rank(p.baseline_rank)}); target "
        + (f"rank {target_rank} (score ≥ {_fmt(p.target_score, 2)})" if target_rank else
           f"score {_fmt(p.target_score, 2)}")
        + f"; bounds: {bound}"
    )  # fmt: skip
    if not p.reached:
        raise DataError(f"{economy}: {p.message or 'target not reached'}")
    if not p.steps:
        console.print("Already at the target: no change needed.")
        return
    t = Table(title=f"Minimal path: {p.n_changed} indicator(s), total normalised change "
              f"{p.total_normalised_change:.2f}")  # fmt: skip
    for c in ("indicator", "source", "now", "to", "bound", "share of the way", "normalised +"):
        t.add_column(c, justify="left" if c in ("indicator", "source") else "right")
    for s in p.steps:
        t.add_row(f"{s.indicator} {s.name or ''}".strip(), ctx.source_codes.get(s.indicator, ""),
                  f"{s.value:.4g}", f"{s.new_value:.4g}", f"{s.bound:.4g}",
                  f"{s.share_of_bound:.0%}", f"{s.normalised_change:.2f}")  # fmt: skip
    console.print(t)
    console.print(
        f"New score {_fmt(p.score, 2)}, rank {_rank(p.rank)} (checked by a full rebuild)."
    )
    if out is not None:
        p.to_frame().assign(economy=economy, year=ctx.year, node=p.node).to_csv(
            out, index=False, float_format="%.17g"
        )
        console.print(f"Wrote {p.n_changed} rows to {out}")


def register(app: typer.Typer) -> None:
    """Attach the divide commands to ``aibridge aci`` (``app`` is the root; kept for symmetry)."""
    del app  # the commands are on aci_app already (decorators above)
