"""The ``XUpdate`` models are derived from ``XCreate`` (``schemas._Patch``): same fields
(but the organisation) in the same order, each optional, the create model's type-level
rules kept, its field-level rules and defaults not."""

from __future__ import annotations

import pydantic
import pytest

from aibridge.registry import schemas as s

PAIRS = [
    (s.OrganisationCreate, s.OrganisationUpdate, set()),
    (s.NeedCreate, s.NeedUpdate, {"organisation_id"}),
    (s.OfferCreate, s.OfferUpdate, {"organisation_id"}),
    (s.ProjectCreate, s.ProjectUpdate, {"organisation_id"}),
    (s.PledgeCreate, s.PledgeUpdate, {"organisation_id"}),
]


@pytest.mark.parametrize(("create", "update", "excluded"), PAIRS)
def test_update_has_every_create_field_optional(
    create: type[pydantic.BaseModel], update: type[pydantic.BaseModel], excluded: set[str]
) -> None:
    expected = ["version", *(n for n in create.model_fields if n not in excluded)]
    assert list(update.model_fields) == expected
    for name, info in update.model_fields.items():
        assert not info.is_required() and info.default is None, name
    assert update.model_validate({}).model_fields_set == set()  # nothing sent, nothing set
    with pytest.raises(pydantic.ValidationError, match="extra"):
        update.model_validate({"no_such_field": 1})
    for name in excluded:
        with pytest.raises(pydantic.ValidationError):
            update.model_validate({name: 1})


def test_update_keeps_the_type_level_rules() -> None:
    bad = [
        (s.NeedUpdate, {"title": "ab"}),  # Title: 3..300 characters
        (s.NeedUpdate, {"economy": "XYZ"}),  # ISO 3166 code
        (s.NeedUpdate, {"areas": [6]}),  # Action Plan areas 1..5
        (s.NeedUpdate, {"budget_min": -1}),  # Money >= 0
        (s.OfferUpdate, {"kind": "magic"}),  # Literal of OFFER_KINDS
        (s.OfferUpdate, {"capacity": -1}),
        (s.OrganisationUpdate, {"website": "ftp://x"}),
        (s.PledgeUpdate, {"currency": "XXXX"}),
        (s.ProjectUpdate, {"activity": {"iati_identifier": "X"}}),  # nested model
    ]
    for model, data in bad:
        with pytest.raises(pydantic.ValidationError):
            model.model_validate(data)
    need = s.NeedUpdate.model_validate({"economy": "ke", "actions": ["ap5", "AP1"]})
    assert need.economy == "KEN" and need.actions == ["AP1", "AP5"]  # validators ran


def test_update_keeps_cross_field_rules_and_drops_field_level_ones() -> None:
    with pytest.raises(pydantic.ValidationError, match="budget_max must not be"):
        s.NeedUpdate.model_validate({"budget_min": 5, "budget_max": 1})
    with pytest.raises(pydantic.ValidationError, match="available_until must not be"):
        s.OfferUpdate.model_validate(
            {"available_from": "2026-02-01", "available_until": "2026-01-01"}
        )
    # ``areas: Areas = Field(min_length=1)`` is a create rule: the service re-checks the
    # merged record against NeedCreate, so the update model itself accepts []
    assert s.NeedUpdate.model_validate({"areas": []}).areas == []
    with pytest.raises(pydantic.ValidationError):
        s.NeedCreate.model_validate(
            {"organisation_id": 1, "economy": "KEN", "title": "abc", "areas": []}
        )
