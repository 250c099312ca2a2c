"""Pydantic models of the registry: ``XCreate`` (input), ``XUpdate`` (partial input, plus the
``version`` the client read) and ``XPublic`` (output), as in the FastAPI full-stack template.

Validation failures are re-raised by the service as :class:`aibridge.errors.ValidationFailed`
naming the field and the rule (see :func:`validate`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, Optional, TypeVar, get_type_hints

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from aibridge.errors import ValidationFailed

__all__ = [
    "ACTIONS",
    "AREAS",
    "MATCH_STATUSES",
    "NEED_STATUSES",
    "OFFER_KINDS",
    "OFFER_STATUSES",
    "ORGANISATION_KINDS",
    "PLEDGE_STATUSES",
    "ROLES",
    "AccountCreate",
    "AccountPublic",
    "AuditPublic",
    "IatiActivity",
    "MatchPublic",
    "MatchTerm",
    "NeedCreate",
    "NeedPublic",
    "NeedUpdate",
    "OfferCreate",
    "OfferPublic",
    "OfferUpdate",
    "OrganisationCreate",
    "OrganisationPublic",
    "OrganisationUpdate",
    "PledgeCreate",
    "PledgeProgressCreate",
    "PledgeProgressPublic",
    "PledgePublic",
    "PledgeUpdate",
    "ProjectCreate",
    "ProjectPublic",
    "ProjectUpdate",
    "ResolutionCreate",
    "ResolutionPublic",
    "TokenCreated",
    "TokenPublic",
    "validate",
]

#: The five areas of the AI Capacity-Building Action Plan (= the ACI's five pillars).
AREAS: dict[int, str] = {
    1: "AI infrastructure",
    2: "Industrial empowerment",
    3: "Personnel training",
    4: "Data development",
    5: "Security governance",
}
#: The ten actions (ids and themes from CONTEXT.md) and the areas each belongs to.
ACTIONS: dict[str, tuple[str, tuple[int, ...]]] = {
    "AP1": ("AI and digital infrastructure, computing capacity, interoperability", (1,)),
    "AP2": ("AI research and development, joint laboratories, technology transfer", (1, 2)),
    "AP3": ('"AI Plus" applications in industries', (2,)),
    "AP4": ("open-source AI community; supply of AI products and services", (2,)),
    "AP5": ("talent cultivation: education, training, workshops, exchanges", (3,)),
    "AP6": ("public AI literacy, including women, youth and rural people", (3,)),
    "AP7": ("datasets and language resources; data sharing", (4,)),
    "AP8": ("data security and cross-border data governance", (4, 5)),
    "AP9": ("AI safety governance, ethics, regulation, AI strategies", (5,)),
    "AP10": ("multilateral cooperation and financing", (1, 2, 3, 4, 5)),
}
ROLES = ("viewer", "contributor", "moderator", "admin")
ORGANISATION_KINDS = (
    "government",
    "un_entity",
    "multilateral",
    "development_bank",
    "university",
    "research",
    "company",
    "ngo",
    "foundation",
    "other",
)
OFFER_KINDS = ("training", "compute", "data", "expertise", "funding", "open_source_tools")
NEED_STATUSES = ("open", "in_progress", "met", "closed")
OFFER_STATUSES = ("open", "paused", "closed")
PLEDGE_STATUSES = ("pledged", "in_progress", "fulfilled", "cancelled")
MATCH_STATUSES = ("proposed", "accepted", "rejected", "withdrawn")


# --- field validators -------------------------------------------------------------------
def _economy(value: str) -> str:
    code = value.strip().upper()
    if code == "XKX":  # Kosovo: user-assigned ISO code used by the World Bank and the UN
        return code
    country = None
    if len(code) == 3:
        country = pycountry.countries.get(alpha_3=code)
    elif len(code) == 2:
        country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(f"must be an ISO 3166-1 country code (e.g. KEN); got {value!r}")
    return str(country.alpha_3)


def _language(value: str) -> str:
    code = value.strip().lower()
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        raise ValueError(f"must be an ISO 639-1 language code (e.g. fr); got {value!r}")
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"must be an ISO 4217 currency code (e.g. USD); got {value!r}")
    return code


def _areas(values: list[int]) -> list[int]:
    bad = [v for v in values if v not in AREAS]
    if bad:
        raise ValueError(f"Action Plan areas are 1..5; got {bad}")
    return sorted(set(values))


def _actions(values: list[str]) -> list[str]:
    norm = [v.strip().upper() for v in values]
    bad = [v for v in norm if v not in ACTIONS]
    if bad:
        raise ValueError(f"Action Plan actions are AP1..AP10; got {bad}")
    return sorted(set(norm), key=lambda a: int(a[2:]))


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Economy = Annotated[str, AfterValidator(_economy)]
Language = Annotated[str, AfterValidator(_language)]
Currency = Annotated[str, AfterValidator(_currency)]
Areas = Annotated[list[int], AfterValidator(_areas)]
Actions = Annotated[list[str], AfterValidator(_actions)]
Languages = Annotated[list[Language], AfterValidator(_unique)]
Economies = Annotated[list[Economy], AfterValidator(_unique)]
Title = Annotated[str, Field(min_length=3, max_length=300)]
Text = Annotated[str, Field(max_length=20_000)]
Money = Annotated[float, Field(ge=0)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _Patch(_In):
    """Base of the ``XUpdate`` models: a partial edit of the record ``XCreate`` describes.

    ``class XUpdate(_Patch, of=XCreate, exclude=(...))`` gets every field of ``XCreate``
    (but those in ``exclude`` and those the class declares itself), in ``XCreate``'s order,
    with ``XCreate``'s type (validators and type-level constraints such as ``Title``'s
    length) made optional, default ``None``: a field sent is set, a field left out is kept.
    Field-level rules of the create model (``areas: Areas = Field(min_length=1)``) and its
    defaults are not carried over: the service checks the merged record against ``XCreate``
    (and refuses clearing required fields). Cross-field rules come from a shared base such
    as ``_NeedFields``.
    """

    #: the record's version the edit is based on (optimistic locking); None = don't check
    version: int | None = None

    def __init_subclass__(
        cls, *, of: type[BaseModel] | None = None, exclude: Iterable[str] = (), **kwargs: Any
    ) -> None:
        # runs inside type.__new__, before pydantic collects the fields from __annotations__
        if of is not None:
            own = cls.__annotations__  # the class's own (Python >= 3.10), created if none
            hints = get_type_hints(of, include_extras=True)
            for name in of.model_fields:
                if name not in own and name not in exclude:
                    own[name] = Optional[hints[name]]  # noqa: UP045 (a runtime type)
                    setattr(cls, name, None)
        super().__init_subclass__(**kwargs)


class _Ranged(_In):
    """Base of models with ordered field pairs ``(lo, hi)``: ``hi`` must not be below ``lo``
    when both are given (a field an update leaves out counts as not given)."""

    ranges: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="after")
    def _ranges(self) -> Any:
        for lo_name, hi_name in self.ranges:
            lo, hi = getattr(self, lo_name, None), getattr(self, hi_name, None)
            if lo is not None and hi is not None and hi < lo:
                raise ValueError(f"{hi_name} must not be before/below {lo_name} ({hi} < {lo})")
        return self


# --- organisations ----------------------------------------------------------------------
class OrganisationCreate(_In):
    name: Annotated[str, Field(min_length=2, max_length=300)]
    kind: Literal[ORGANISATION_KINDS]  # type: ignore[valid-type]
    country: Economy | None = None
    iati_ref: Annotated[str, Field(max_length=100, pattern=r"^\S+$")] | None = None
    website: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None
    contact_name: Annotated[str, Field(max_length=200)] | None = None
    contact_email: (
        Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None
    ) = None
    description: Text = ""


class OrganisationUpdate(_Patch, of=OrganisationCreate):
    """An edit of an organisation: the fields of OrganisationCreate, each optional."""


class OrganisationPublic(_Out):
    id: int
    name: str
    kind: str
    country: str | None
    iati_ref: str | None
    website: str | None
    contact_name: str | None
    contact_email: str | None
    description: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


# --- needs ------------------------------------------------------------------------------
class _NeedFields(_Ranged):
    ranges: ClassVar[tuple[tuple[str, str], ...]] = (
        ("budget_min", "budget_max"),
        ("start_date", "end_date"),
    )


class NeedCreate(_NeedFields):
    organisation_id: int
    economy: Economy
    title: Title
    description: Text = ""
    areas: Areas = Field(min_length=1)
    actions: Actions = Field(default_factory=list)
    languages: Languages = Field(default_factory=list)
    budget_min: Money | None = None
    budget_max: Money | None = None
    currency: Currency | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: Literal[NEED_STATUSES] = "open"  # type: ignore[valid-type]


class NeedUpdate(_NeedFields, _Patch, of=NeedCreate, exclude=("organisation_id",)):
    """An edit of a need: the fields of NeedCreate but the organisation, each optional."""


class NeedPublic(_Out):
    id: int
    organisation_id: int
    economy: str
    title: str
    description: str
    areas: list[int]
    actions: list[str]
    languages: list[str]
    budget_min: float | None
    budget_max: float | None
    currency: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


# --- offers -----------------------------------------------------------------------------
class _OfferFields(_Ranged):
    ranges: ClassVar[tuple[tuple[str, str], ...]] = (("available_from", "available_until"),)


class OfferCreate(_OfferFields):
    organisation_id: int
    kind: Literal[OFFER_KINDS]  # type: ignore[valid-type]
    title: Title
    description: Text = ""
    areas: Areas = Field(min_length=1)
    actions: Actions = Field(default_factory=list)
    eligible_economies: Economies = Field(default_factory=list)
    languages: Languages = Field(default_factory=list)
    capacity: Annotated[int, Field(ge=0)] | None = None
    capacity_unit: Annotated[str, Field(max_length=50)] | None = None
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    status: Literal[OFFER_STATUSES] = "open"  # type: ignore[valid-type]


class OfferUpdate(_OfferFields, _Patch, of=OfferCreate, exclude=("organisation_id",)):
    """An edit of an offer: the fields of OfferCreate but the organisation, each optional."""


class OfferPublic(_Out):
    id: int
    organisation_id: int
    kind: str
    title: str
    description: str
    areas: list[int]
    actions: list[str]
    eligible_economies: list[str]
    languages: list[str]
    capacity: int | None
    capacity_unit: str | None
    available_from: dt.date | None
    available_until: dt.date | None
    status: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


# --- IATI activity (projects) -----------------------------------------------------------
_IATI_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$")


def _iati_date(value: str) -> str:
    if not _IATI_DATE.match(value):
        raise ValueError(f"must be an ISO date YYYY-MM-DD; got {value!r}")
    dt.date.fromisoformat(value[:10])
    return value


IatiDateStr = Annotated[str, AfterValidator(_iati_date)]


class _Iati(BaseModel):
    """An IATI element: modelled fields plus whatever we do not model, kept verbatim."""

    model_config = ConfigDict(extra="forbid")
    extra_attrs: dict[str, str] = Field(default_factory=dict)
    extra_xml: list[str] = Field(default_factory=list)


class Narrative(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    lang: str | None = None


class IatiOrg(_Iati):
    ref: str | None = None
    type: str | None = None
    role: str | None = None
    activity_id: str | None = None
    narratives: list[Narrative] = Field(default_factory=list)


class IatiText(_Iati):
    type: str | None = None
    narratives: list[Narrative] = Field(default_factory=list)


class IatiDate(_Iati):
    type: str
    iso_date: IatiDateStr
    narratives: list[Narrative] = Field(default_factory=list)


class IatiCountry(_Iati):
    code: str
    percentage: Decimal | None = None
    narratives: list[Narrative] = Field(default_factory=list)


class IatiSector(_Iati):
    code: str
    vocabulary: str | None = None
    vocabulary_uri: str | None = None
    percentage: Decimal | None = None
    narratives: list[Narrative] = Field(default_factory=list)


class IatiValue(_Iati):
    amount: Decimal
    currency: str | None = None
    value_date: IatiDateStr | None = None


class IatiBudget(_Iati):
    type: str | None = None
    status: str | None = None
    period_start: IatiDateStr
    period_end: IatiDateStr
    value: IatiValue


class IatiTransaction(_Iati):
    ref: str | None = None
    humanitarian: str | None = None
    transaction_type: str
    transaction_date: IatiDateStr
    value: IatiValue
    description: list[Narrative] = Field(default_factory=list)
    provider_org: IatiOrg | None = None
    receiver_org: IatiOrg | None = None


class IatiResultValue(_Iati):
    """A ``baseline``, ``target`` or ``actual`` of a result indicator (its locations,
    dimensions and document links are kept verbatim in ``extra_xml``)."""

    value: str | None = None
    year: str | None = None  # baseline only
    iso_date: IatiDateStr | None = None  # baseline only
    comment: list[Narrative] = Field(default_factory=list)


class IatiPeriod(_Iati):
    period_start: IatiDateStr
    period_end: IatiDateStr
    targets: list[IatiResultValue] = Field(default_factory=list)
    actuals: list[IatiResultValue] = Field(default_factory=list)


class IatiIndicator(_Iati):
    """A result indicator (its document links and references are kept in ``extra_xml``)."""

    measure: str
    ascending: str | None = None
    aggregation_status: str | None = None
    title: list[Narrative] = Field(default_factory=list)
    description: list[Narrative] = Field(default_factory=list)
    baselines: list[IatiResultValue] = Field(default_factory=list)
    periods: list[IatiPeriod] = Field(default_factory=list)


class IatiResult(_Iati):
    type: str
    aggregation_status: str | None = None
    title: list[Narrative] = Field(default_factory=list)
    description: list[Narrative] = Field(default_factory=list)
    indicators: list[IatiIndicator] = Field(default_factory=list)


class IatiActivity(_Iati):
    """The modelled subset of an IATI 2.03 ``iati-activity`` (everything else: ``extra_*``)."""

    iati_identifier: Annotated[str, Field(max_length=200)]  # schema allows empty
    #: namespace prefixes in scope (extensions), so re-exported XML keeps its prefixes
    namespaces: dict[str, str] = Field(default_factory=dict)
    default_currency: str | None = None
    lang: str | None = None  # xml:lang
    last_updated_datetime: str | None = None
    hierarchy: str | None = None
    humanitarian: str | None = None
    reporting_org: IatiOrg
    title: list[Narrative] = Field(min_length=1)
    descriptions: list[IatiText] = Field(default_factory=list)
    participating_orgs: list[IatiOrg] = Field(default_factory=list)
    activity_status: str | None = None
    activity_dates: list[IatiDate] = Field(default_factory=list)
    recipient_countries: list[IatiCountry] = Field(default_factory=list)
    sectors: list[IatiSector] = Field(default_factory=list)
    budgets: list[IatiBudget] = Field(default_factory=list)
    transactions: list[IatiTransaction] = Field(default_factory=list)
    results: list[IatiResult] = Field(default_factory=list)

    @property
    def title_text(self) -> str:
        for n in self.title:
            if n.lang in (None, "en", self.lang):
                return n.text
        return self.title[0].text


class ProjectCreate(_In):
    organisation_id: int
    activity: IatiActivity
    areas: Areas = Field(default_factory=list)
    actions: Actions = Field(default_factory=list)
    need_id: int | None = None
    offer_id: int | None = None


class ProjectUpdate(_Patch, of=ProjectCreate, exclude=("organisation_id",)):
    """An edit of a project: the fields of ProjectCreate but the organisation, each optional."""

    activity: IatiActivity | None = None  # declared: the service reads it


class ProjectPublic(_Out):
    id: int
    organisation_id: int
    iati_identifier: str | None  # None when the activity's identifier is empty
    title: str
    activity_status: str | None
    default_currency: str | None
    areas: list[int]
    actions: list[str]
    need_id: int | None
    offer_id: int | None
    activity: IatiActivity
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


# --- pledges ----------------------------------------------------------------------------
class PledgeCreate(_In):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_id": 1,
                    "title": "GPU hours for the national AI skills programme",
                    "amount": 250000,
                    "currency": "USD",
                    "areas": [3],
                    "economies": ["KEN"],
                    "due_date": "2027-06-30",
                    "need_id": 1,
                }
            ]
        }
    )

    organisation_id: int
    title: Title
    description: Text = ""
    amount: Money | None = None
    currency: Currency | None = None
    areas: Areas = Field(default_factory=list)
    actions: Actions = Field(default_factory=list)
    economies: Economies = Field(default_factory=list)
    announced_on: dt.date | None = None
    due_date: dt.date | None = None
    status: Literal[PLEDGE_STATUSES] = "pledged"  # type: ignore[valid-type]
    project_id: int | None = None
    #: the need on the cooperation board the pledge goes towards (with a project too, it
    #: must be that project's need)
    need_id: int | None = None


class PledgeUpdate(_Patch, of=PledgeCreate, exclude=("organisation_id",)):
    """An edit of a pledge: the fields of PledgeCreate but the organisation, each optional."""


class PledgeProgressCreate(_In):
    reported_on: dt.date
    progress_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    disbursed_delta: Money = 0.0
    note: Text = ""


class PledgeProgressPublic(_Out):
    id: int
    pledge_id: int
    reported_on: dt.date
    progress_pct: float | None
    disbursed_delta: float
    note: str
    account_id: int | None
    created_at: dt.datetime


class PledgePublic(_Out):
    id: int
    organisation_id: int
    title: str
    description: str
    amount: float | None
    currency: str | None
    areas: list[int]
    actions: list[str]
    economies: list[str]
    announced_on: dt.date | None
    due_date: dt.date | None
    status: str
    progress_pct: float
    disbursed: float
    project_id: int | None
    need_id: int | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


# --- matches ----------------------------------------------------------------------------
class MatchTerm(BaseModel):
    """One additive term of a match score: ``contribution = weight * value``."""

    name: str
    weight: float
    value: float
    contribution: float
    explanation: str


class MatchPublic(_Out):
    id: int | None = None
    need_id: int
    offer_id: int
    score: float
    terms: list[MatchTerm]
    status: str = "suggested"
    note: str = ""
    version: int | None = None


# --- accounts, tokens, audit, resolutions ----------------------------------------------
class AccountCreate(_In):
    name: Annotated[str, Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")]
    role: Literal[ROLES]  # type: ignore[valid-type]
    organisation_id: int | None = None
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        None
    )

    @model_validator(mode="after")
    def _scope(self) -> AccountCreate:
        if self.role == "contributor" and self.organisation_id is None:
            raise ValueError("a contributor account needs an organisation_id")
        return self


class AccountPublic(_Out):
    id: int
    name: str
    role: str
    organisation_id: int | None
    email: str | None
    active: bool
    created_at: dt.datetime


class TokenPublic(_Out):
    id: int
    account_id: int
    prefix: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenPublic):
    """Returned once at creation: ``token`` is the secret; only its argon2 hash is stored."""

    token: str


class AuditPublic(_Out):
    id: int
    at: dt.datetime
    account_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ResolutionCreate(_In):
    symbol: Annotated[str, Field(pattern=r"^[A-Z]+/[A-Z0-9./-]+$", max_length=40)]
    title: Annotated[str, Field(min_length=3, max_length=500)]
    body: str = "General Assembly"
    adopted_on: dt.date
    how_adopted: Annotated[str, Field(min_length=3, max_length=200)]
    proposed_by: Economies = Field(default_factory=list)
    introduced_on_behalf_of: Economies = Field(default_factory=list)
    co_sponsors: Economies = Field(default_factory=list)
    co_sponsors_note: Text = ""
    operative_points: list[str] = Field(default_factory=list)
    source: str = ""


class ResolutionPublic(_Out):
    symbol: str
    title: str
    body: str
    adopted_on: dt.date
    how_adopted: str
    proposed_by: list[str]
    introduced_on_behalf_of: list[str]
    co_sponsors: list[str]
    co_sponsors_note: str
    operative_points: list[str]
    source: str
    role: str | None = None  # filled by resolutions_for(economy)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: M | dict[str, Any]) -> M:
    """``data`` as a ``model``; a Pydantic error becomes ValidationFailed(field, rule)."""
    if isinstance(data, model):
        return data
    if isinstance(data, BaseModel):
        data = data.model_dump(exclude_unset=True)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(record)"
        rule = first["type"]
        msg = first["msg"].removeprefix("Value error, ")
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ValidationFailed(
            f"{model.__name__}: field {field!r} failed rule {rule!r}: {msg}{more}",
            field=field,
            rule=rule,
        ) from None
