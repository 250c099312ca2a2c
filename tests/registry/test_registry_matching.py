"""Matching: explainable, additive scores; each term behaves as documented."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aibridge.errors import ValidationFailed
from aibridge.registry import MatchWeights, score_matrix
from aibridge.registry.schemas import NeedPublic, OfferPublic

NOW = dt.datetime(2025, 1, 1)
TODAY = dt.date(2025, 1, 1)


def need(i: int = 1, **kw) -> NeedPublic:
    base = dict(
        id=i,
        organisation_id=1,
        economy="KEN",
        title="AI training for civil servants",
        description="",
        areas=[3],
        actions=["AP5"],
        languages=["en"],
        budget_min=None,
        budget_max=None,
        currency=None,
        start_date=None,
        end_date=None,
        status="open",
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    return NeedPublic(**{**base, **kw})


def offer(i: int = 1, **kw) -> OfferPublic:
    base = dict(
        id=i,
        organisation_id=2,
        kind="training",
        title="AI training course",
        description="",
        areas=[3],
        actions=["AP5"],
        eligible_economies=[],
        languages=["en"],
        capacity=None,
        capacity_unit=None,
        available_from=None,
        available_until=None,
        status="open",
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )
    return OfferPublic(**{**base, **kw})


def terms(n: NeedPublic, o: OfferPublic, **kw) -> dict[str, float]:
    match = score_matrix([n], [o], today=TODAY, **kw).explain(0, 0)
    return {t.name: t.value for t in match.terms}


areas = st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True)
actions = st.lists(st.sampled_from([f"AP{i}" for i in range(1, 11)]), max_size=4, unique=True)
langs = st.lists(st.sampled_from(["en", "fr", "ar", "zh", "ru", "es"]), max_size=3, unique=True)
econs = st.sampled_from(["KEN", "UGA", "BRA", "CHN"])
dates = st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1)))
words = st.text(alphabet="abcdefgh ابتث中文", max_size=30)


@st.composite
def needs_st(draw, i):
    s, e = draw(dates), draw(dates)
    if s and e and e < s:
        s, e = e, s
    return need(
        i,
        economy=draw(econs),
        areas=draw(areas),
        actions=draw(actions),
        languages=draw(langs),
        start_date=s,
        end_date=e,
        description=draw(words),
    )


@st.composite
def offers_st(draw, i):
    s, e = draw(dates), draw(dates)
    if s and e and e < s:
        s, e = e, s
    return offer(
        i,
        areas=draw(areas),
        actions=draw(actions),
        languages=draw(langs),
        eligible_economies=draw(st.lists(econs, max_size=2, unique=True)),
        capacity=draw(st.one_of(st.none(), st.integers(0, 3))),
        available_from=s,
        available_until=e,
        description=draw(words),
    )


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_contributions_sum_to_score(data) -> None:
    n_needs, n_offers = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    needs = [data.draw(needs_st(i)) for i in range(n_needs)]
    offers = [data.draw(offers_st(i)) for i in range(n_offers)]
    gap = {(e, a): 0.1 * a for e in ["KEN", "UGA", "BRA"] for a in range(1, 6)}
    mx = score_matrix(needs, offers, gap=gap, accepted={0: 1}, today=TODAY)
    for i in range(n_needs):
        for j in range(n_offers):
            m = mx.explain(i, j)
            assert m.score == sum(t.contribution for t in m.terms)  # exactly, same order
            assert math.isclose(m.score, math.fsum(t.contribution for t in m.terms))
            assert all(0.0 <= t.value <= 1.0 for t in m.terms)
            assert all(t.contribution == t.weight * t.value for t in m.terms)
            assert 0.0 <= m.score <= 1.0 + 1e-12


def test_terms_behave_as_documented() -> None:
    n = need(
        areas=[3, 4],
        actions=["AP5", "AP7"],
        languages=["en", "fr"],
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 12, 31),
    )
    t = terms(
        n, offer(areas=[3], actions=["AP5"], languages=["fr"], available_from=dt.date(2025, 7, 2))
    )
    assert t["area"] == 0.5 and t["action"] == 0.5 and t["language"] == 0.5
    assert t["timing"] == pytest.approx(182 / 364)
    assert terms(n, offer(available_until=dt.date(2024, 6, 1)))["timing"] == 0  # expired
    assert terms(need(), offer(actions=[]))["action"] == 0.5  # not listed: neutral
    assert terms(need(), offer(eligible_economies=["UGA"]))["eligibility"] == 0
    assert terms(need(), offer(eligible_economies=["KEN"]))["eligibility"] == 1
    assert terms(need(), offer(capacity=0))["capacity"] == 0
    assert terms(need(), offer(capacity=None))["capacity"] == 1


def test_priority_uses_gap_of_shared_areas() -> None:
    gap = {("KEN", 3): 0.9, ("KEN", 1): 0.2}
    n = need(areas=[1, 3])
    assert terms(n, offer(areas=[1]), gap=gap)["priority"] == 0.2
    assert terms(n, offer(areas=[1, 3]), gap=gap)["priority"] == 0.9
    assert terms(n, offer(areas=[3]), gap=lambda e, a: 0.5)["priority"] == 0.5
    assert terms(n, offer(areas=[3]))["priority"] == 0  # no signal wired in
    with pytest.raises(ValidationFailed, match="gap"):
        terms(n, offer(), gap={("KEN", 3): 1.5})


def test_ranking_prefers_better_and_excludes_ineligible() -> None:
    n = need(description="training of teachers in machine learning", languages=["fr"])
    offers = [
        offer(1, areas=[1], languages=["en"], description="GPU cluster time"),
        offer(
            2,
            areas=[3],
            languages=["fr"],
            description="formation en apprentissage "
            "automatique et machine learning pour enseignants",
        ),
        offer(3, areas=[3], languages=["fr"], eligible_economies=["BRA"]),
    ]
    mx = score_matrix([n], offers, today=TODAY)
    ranked = mx.top_offers(0)
    assert [m.offer_id for m in ranked] == [2, 1]
    assert 3 in [m.offer_id for m in mx.top_offers(0, include_ineligible=True)]
    assert mx.best_offer_per_need().tolist() == [1]
    assert [m.need_id for m in mx.top_needs(1)] == [1]


def test_similarity_works_across_scripts() -> None:
    n = need(title="تدريب الموظفين على الذكاء الاصطناعي", description="")
    same = offer(1, title="تدريب على الذكاء الاصطناعي")
    other = offer(2, title="Cloud computing credits")
    mx = score_matrix([n], [same, other], today=TODAY)
    sim = mx.values["similarity"][0]
    assert sim[0] > 0.3 > sim[1]


def test_weights_are_validated_and_used() -> None:
    with pytest.raises(ValidationFailed, match="area"):
        MatchWeights(area=-1)
    with pytest.raises(ValidationFailed):
        MatchWeights(**{k: 0 for k in MatchWeights().as_dict()})
    only_area = MatchWeights(**{**{k: 0 for k in MatchWeights().as_dict()}, "area": 1.0})
    mx = score_matrix([need(areas=[3, 4])], [offer(areas=[3])], weights=only_area, today=TODAY)
    assert mx.scores[0, 0] == 0.5


def test_empty_inputs() -> None:
    mx = score_matrix([need()], [], today=TODAY)
    assert mx.top_offers(0) == [] and np.array_equal(mx.best_offer_per_need(), [-1])
