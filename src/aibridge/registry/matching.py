"""Explainable matching of needs and offers.

For a need *i* and an offer *j* every term ``v_k(i, j)`` lies in [0, 1] and the score is the
weighted sum

    score(i, j) = Σ_k w_k · v_k(i, j)        (default weights sum to 1, so score ∈ [0, 1])

with the terms (see docs/registry.md for the full definitions):

=========== ================================================================================
area        share of the need's Action Plan areas the offer covers  |A_i ∩ A_j| / |A_i|
action      share of the need's actions (AP1..AP10) the offer covers; 0.5 if either lists none
eligibility 1 if the offer is open to the need's economy (empty list = open to all), else 0
language    share of the need's languages the offer works in; 0.5 if either lists none
capacity    1 if the offer has places left (capacity minus accepted matches) or no stated
            limit, else 0
timing      share of the need's timeframe inside the offer's availability window (open ends
            count as unbounded; 1 if the need gives no dates; 0 if the offer has expired)
similarity  cosine similarity of TF-IDF vectors of title + description, over character
            3–5-grams within word boundaries: works for any script with no model download
priority    max over shared areas a of gap(economy_i, a): the AI Capacity Index gap signal,
            0 when no signal is wired in
=========== ================================================================================

Every term's contribution ``w_k · v_k`` is reported and the contributions sum to the score.
The core is vectorised over all (need, offer) pairs: a 200 × 200 ranking takes milliseconds
(benchmarks/bench_matching.py). The gap signal is injected (:data:`GapSignal`) because the
AI Capacity Index lives in another part of aibridge: pass a mapping ``{(iso3, area): gap}``
or a callable ``gap(iso3, area) -> float | None`` with 0 = no gap and 1 = the largest gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from aibridge.errors import ValidationFailed
from aibridge.registry.schemas import AREAS, MatchPublic, MatchTerm, NeedPublic, OfferPublic

__all__ = ["GapSignal", "MatchMatrix", "MatchWeights", "score_matrix"]

GapSignal = Mapping[tuple[str, int], float] | Callable[[str, int], float | None]

_AREA_IDS = sorted(AREAS)
_ACTION_IDS = [f"AP{i}" for i in range(1, 11)]
_UNKNOWN = 0.5


@dataclass(frozen=True)
class MatchWeights:
    """Weights ``w_k`` of the match score (non-negative; defaults sum to 1)."""

    area: float = 0.20
    action: float = 0.10
    eligibility: float = 0.15
    language: float = 0.10
    capacity: float = 0.05
    timing: float = 0.10
    similarity: float = 0.20
    priority: float = 0.10

    def __post_init__(self) -> None:
        for f in fields(self):
            w = getattr(self, f.name)
            if not (isinstance(w, int | float) and w >= 0 and np.isfinite(w)):
                raise ValidationFailed(
                    f"match weight {f.name!r} must be a finite number >= 0; got {w!r}",
                    field=f.name,
                    rule="non_negative",
                )
        if sum(self.as_dict().values()) <= 0:
            raise ValidationFailed(
                "at least one match weight must be positive", field="weights", rule="positive"
            )

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


TERMS = tuple(f.name for f in fields(MatchWeights))


def _multi_hot(rows: Sequence[Sequence[Any]], vocab: Sequence[Any]) -> np.ndarray:
    index = {v: k for k, v in enumerate(vocab)}
    out = np.zeros((len(rows), len(vocab)), dtype=np.float64)
    for r, values in enumerate(rows):
        for v in values:
            k = index.get(v)
            if k is not None:
                out[r, k] = 1.0
    return out


def _coverage(need: np.ndarray, offer: np.ndarray, unknown: float | None) -> np.ndarray:
    """|N_i ∩ O_j| / |N_i|; ``unknown`` where either side lists nothing (None: 0)."""
    overlap = need @ offer.T
    n_need = need.sum(axis=1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_need > 0, overlap / np.maximum(n_need, 1), 0.0)
    if unknown is not None:
        empty = (n_need == 0) | (offer.sum(axis=1)[None, :] == 0)
        share = np.where(empty, unknown, share)
    return share


def _ordinal(d: dt.date | None, default: float) -> float:
    return float(d.toordinal()) if d is not None else default


def _gap_lookup(gap: GapSignal | None) -> Callable[[str, int], float | None]:
    if gap is None:
        return lambda _e, _a: None
    if isinstance(gap, Mapping):
        mapping = gap
        return lambda e, a: mapping.get((e, a))
    return gap


@dataclass(frozen=True)
class MatchMatrix:
    """Every term for every (need, offer) pair; rows are needs, columns offers."""

    needs: Sequence[NeedPublic]
    offers: Sequence[OfferPublic]
    weights: MatchWeights
    values: Mapping[str, np.ndarray]
    gap_matrix: np.ndarray  # (n_needs, n_areas): gap per need economy and area, NaN = none
    remaining: np.ndarray  # (n_offers,) places left, inf = no stated limit
    scores: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        w = self.weights.as_dict()
        total = np.zeros((len(self.needs), len(self.offers)))
        for name in TERMS:  # same order as explain(): contributions sum to the score exactly
            total = total + w[name] * self.values[name]
        object.__setattr__(self, "scores", total)

    @property
    def eligible(self) -> np.ndarray:
        return self.values["eligibility"] > 0

    def explain(self, i: int, j: int) -> MatchPublic:
        """The match of need ``i`` with offer ``j``: score and each term's contribution."""
        need, offer = self.needs[i], self.offers[j]
        w = self.weights.as_dict()
        terms = []
        for name in TERMS:
            value = float(self.values[name][i, j])
            terms.append(
                MatchTerm(
                    name=name,
                    weight=w[name],
                    value=value,
                    contribution=w[name] * value,
                    explanation=self._why(name, i, j, need, offer, value),
                )
            )
        return MatchPublic(
            need_id=need.id, offer_id=offer.id, score=float(self.scores[i, j]), terms=terms
        )

    def top_offers(
        self, i: int, limit: int = 10, *, include_ineligible: bool = False
    ) -> list[MatchPublic]:
        """Best offers for need ``i`` (ties broken by offer id)."""
        row = self.scores[i]
        keep = np.arange(len(self.offers))
        if not include_ineligible:
            keep = keep[self.eligible[i]]
        order = keep[np.lexsort((keep, -row[keep]))][:limit]
        return [self.explain(i, int(j)) for j in order]

    def top_needs(
        self, j: int, limit: int = 10, *, include_ineligible: bool = False
    ) -> list[MatchPublic]:
        """Best needs for offer ``j`` (ties broken by need id)."""
        col = self.scores[:, j]
        keep = np.arange(len(self.needs))
        if not include_ineligible:
            keep = keep[self.eligible[:, j]]
        order = keep[np.lexsort((keep, -col[keep]))][:limit]
        return [self.explain(int(i), j) for i in order]

    def best_offer_per_need(self, *, include_ineligible: bool = False) -> np.ndarray:
        """Column index of each need's top offer (-1 where none is eligible)."""
        if not len(self.offers):
            return np.full(len(self.needs), -1)
        masked = self.scores if include_ineligible else np.where(self.eligible, self.scores, -1)
        best = np.argmax(masked, axis=1)
        ok = masked[np.arange(len(self.needs)), best] >= 0
        return np.where(ok, best, -1)

    # -- explanations ---------------------------------------------------------------------
    def _why(
        self, name: str, i: int, j: int, need: NeedPublic, offer: OfferPublic, value: float
    ) -> str:
        if name == "area":
            shared = sorted(set(need.areas) & set(offer.areas))
            names = ", ".join(f"{a} {AREAS[a]}" for a in shared) or "none"
            return f"offer covers {len(shared)} of the need's {len(need.areas)} areas ({names})"
        if name == "action":
            if not need.actions or not offer.actions:
                return "actions not listed on both sides: neutral 0.5"
            shared_actions = sorted(
                set(need.actions) & set(offer.actions), key=lambda a: int(a[2:])
            )
            return (
                f"offer covers {len(shared_actions)} of the need's {len(need.actions)} actions "
                f"({', '.join(shared_actions) or 'none'})"
            )
        if name == "eligibility":
            if not offer.eligible_economies:
                return "offer is open to every economy"
            return (
                f"{need.economy} is eligible"
                if value > 0
                else f"{need.economy} is not among the offer's eligible economies"
            )
        if name == "language":
            if not need.languages or not offer.languages:
                return "languages not listed on both sides: neutral 0.5"
            shared_lang = sorted(set(need.languages) & set(offer.languages))
            return (
                f"offer works in {len(shared_lang)} of the need's {len(need.languages)} "
                f"languages ({', '.join(shared_lang) or 'none'})"
            )
        if name == "capacity":
            left = self.remaining[j]
            if np.isinf(left):
                return "offer states no capacity limit"
            return f"{int(left)} place(s) left of {offer.capacity}" + (
                f" {offer.capacity_unit}" if offer.capacity_unit else ""
            )
        if name == "timing":
            if need.start_date is None and need.end_date is None:
                return "need gives no timeframe: any availability suits"
            return f"{value:.0%} of the need's timeframe falls in the offer's availability"
        if name == "similarity":
            return f"description similarity (TF-IDF cosine, character n-grams) {value:.2f}"
        if name == "priority":
            shared = sorted(set(need.areas) & set(offer.areas))
            gaps = {a: self.gap_matrix[i, a - 1] for a in shared}
            known = {a: g for a, g in gaps.items() if not np.isnan(g)}
            if not known:
                return f"no AI Capacity Index gap signal for {need.economy} in the shared areas"
            a_max = max(known, key=lambda a: known[a])
            return (
                f"largest AI Capacity Index gap of {need.economy} in a shared area: "
                f"{known[a_max]:.2f} in area {a_max} ({AREAS[a_max]})"
            )
        return ""


def score_matrix(
    needs: Sequence[NeedPublic],
    offers: Sequence[OfferPublic],
    *,
    weights: MatchWeights | None = None,
    gap: GapSignal | None = None,
    accepted: Mapping[int, int] | None = None,
    today: dt.date | None = None,
) -> MatchMatrix:
    """Score every need against every offer (vectorised).

    ``accepted`` maps offer id → number of accepted matches (uses up capacity); ``today``
    decides which offers have expired (default: the current date).
    """
    weights = weights or MatchWeights()
    today = today or dt.date.today()
    accepted = accepted or {}
    n, m = len(needs), len(offers)
    values: dict[str, np.ndarray] = {}

    area_n = _multi_hot([x.areas for x in needs], _AREA_IDS)
    area_o = _multi_hot([x.areas for x in offers], _AREA_IDS)
    values["area"] = _coverage(area_n, area_o, unknown=None)
    values["action"] = _coverage(
        _multi_hot([x.actions for x in needs], _ACTION_IDS),
        _multi_hot([x.actions for x in offers], _ACTION_IDS),
        unknown=_UNKNOWN,
    )

    economies = sorted({x.economy for x in needs})
    elig_o = _multi_hot([x.eligible_economies for x in offers], economies)  # (m, k)
    open_to_all = np.array([not x.eligible_economies for x in offers], dtype=bool)
    econ_index = np.array([economies.index(x.economy) for x in needs], dtype=np.int64)
    eligible = open_to_all[None, :] | (elig_o[:, econ_index].T > 0) if n and m else np.zeros((n, m))
    values["eligibility"] = np.asarray(eligible, dtype=np.float64).reshape(n, m)

    langs = sorted(
        {lang for x in needs for lang in x.languages}
        | {lang for x in offers for lang in x.languages}
    )
    values["language"] = _coverage(
        _multi_hot([x.languages for x in needs], langs),
        _multi_hot([x.languages for x in offers], langs),
        unknown=_UNKNOWN,
    )

    remaining = np.array(
        [
            np.inf if x.capacity is None else max(x.capacity - accepted.get(x.id, 0), 0)
            for x in offers
        ],
        dtype=np.float64,
    )
    values["capacity"] = np.broadcast_to((remaining > 0).astype(np.float64), (n, m)).copy()

    values["timing"] = _timing(needs, offers, today)
    values["similarity"] = _similarity(needs, offers)

    lookup = _gap_lookup(gap)
    gap_matrix = np.full((n, len(_AREA_IDS)), np.nan)
    for r, x in enumerate(needs):
        for a in x.areas:
            g = lookup(x.economy, a)
            if g is not None:
                if not 0.0 <= g <= 1.0:
                    raise ValidationFailed(
                        f"gap signal for ({x.economy}, area {a}) must lie in [0, 1]; got {g}",
                        field="gap",
                        rule="unit_interval",
                    )
                gap_matrix[r, a - 1] = g
    # priority(i, j) = max over areas a shared by need i and offer j of gap(i, a)
    shared = area_n[:, None, :] * area_o[None, :, :]  # (n, m, areas)
    gaps = np.nan_to_num(gap_matrix, nan=0.0)[:, None, :] * shared
    values["priority"] = gaps.max(axis=2) if len(_AREA_IDS) and n and m else np.zeros((n, m))

    return MatchMatrix(
        needs=needs,
        offers=offers,
        weights=weights,
        values=values,
        gap_matrix=gap_matrix,
        remaining=remaining,
    )


def _timing(
    needs: Sequence[NeedPublic], offers: Sequence[OfferPublic], today: dt.date
) -> np.ndarray:
    inf = np.inf
    ns = np.array([_ordinal(x.start_date, -inf) for x in needs])[:, None]
    ne = np.array([_ordinal(x.end_date, inf) for x in needs])[:, None]
    os_ = np.array([_ordinal(x.available_from, -inf) for x in offers])[None, :]
    oe = np.array([_ordinal(x.available_until, inf) for x in offers])[None, :]
    lo, hi = np.maximum(ns, os_), np.minimum(ne, oe)
    with np.errstate(invalid="ignore"):
        overlap = hi - lo
        length = ne - ns
        finite = np.isfinite(length)
        share = np.where(
            finite & (length > 0),
            np.clip(overlap, 0, None) / np.where(length > 0, length, 1),
            (overlap >= 0).astype(np.float64),  # open-ended or single-day need: intersects?
        )
    share = np.nan_to_num(share, nan=1.0)
    no_dates = np.isinf(ns) & np.isinf(ne)
    share = np.where(no_dates, 1.0, share)
    expired = oe < today.toordinal()
    share = np.where(expired, 0.0, share)
    return np.clip(share, 0.0, 1.0)


def _similarity(needs: Sequence[NeedPublic], offers: Sequence[OfferPublic]) -> np.ndarray:
    n, m = len(needs), len(offers)
    docs = [f"{x.title}\n{x.description}" for x in needs] + [
        f"{x.title}\n{x.description}" for x in offers
    ]
    if not n or not m or not any(d.strip() for d in docs):
        return np.zeros((n, m))
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy import: only when used

    # Character n-grams within word boundaries: language-agnostic (Arabic, Chinese, Russian
    # work as well as English), robust to inflection, and fully offline; see ADR 0005.
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # empty vocabulary (texts too short)
        return np.zeros((n, m))
    sim = (x[:n] @ x[n:].T).toarray()
    return np.clip(sim, 0.0, 1.0)
