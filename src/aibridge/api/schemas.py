"""Response and request models of the API (Pydantic), with examples for the OpenAPI docs.

Naming follows the FastAPI template: ``<Thing>`` is what a read returns, ``<Thing>Page`` a
paginated list. Registry models are the registry's own ``*Create``/``*Update``/``*Public``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "Economy",
    "EconomyList",
    "Health",
    "Indicator",
    "IndicatorList",
    "Observation",
    "ObservationList",
    "ObservationPage",
    "Problem",
    "Ready",
    "Source",
    "SourceList",
    "Vintage",
    "VintageList",
]


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "urn:aibridge:problem:not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "unknown economy code(s) XKX in the store; XKX: did you mean XKV?",
                "instance": "/v1/economies/XKX",
                "request_id": "5f0c8e0a9d6b4c1e8f7a2b3c4d5e6f70",
            }
        },
    )

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What was wrong and how to fix it.")
    instance: str | None = None
    request_id: str | None = Field(None, description="Quote it when reporting a problem.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Per-field validation errors (422)."
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    store: str
    observations: int
    indicators: int
    economies: int
    data_version: str


_ECONOMY_EXAMPLE: dict[str, Any] = {
    "iso3": "KEN",
    "iso2": "KE",
    "m49": 404,
    "name": "Kenya",
    "names": {"ar": "كينيا", "zh": "肯尼亚", "fr": "Kenya", "ru": "Кения", "es": "Kenia"},
    "un_region": "Africa",
    "un_subregion": "Sub-Saharan Africa",
    "wb_region": "Sub-Saharan Africa",
    "income_group": "Lower middle income",
    "is_aggregate": False,
    "is_un_member": True,
}


class Economy(BaseModel):
    """A country, territory or aggregate (region, income group, World), keyed by ISO3."""

    model_config = ConfigDict(json_schema_extra={"example": dict(_ECONOMY_EXAMPLE)})

    iso3: str
    iso2: str | None
    m49: int | None
    name: str | None
    names: dict[str, str | None] = Field(description="Names in the other UN languages.")
    un_region: str | None
    un_subregion: str | None
    wb_region: str | None
    income_group: str | None
    is_aggregate: bool
    is_un_member: bool


class EconomyList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"data": [_ECONOMY_EXAMPLE], "count": 1}}
    )

    data: list[Economy]
    count: int


_INDICATOR_EXAMPLE: dict[str, Any] = {
    "code": "IT.NET.USER.ZS",
    "name": "Individuals using the Internet (% of population)",
    "unit": "%",
    "topic": "Infrastructure",
    "direction": 1,
    "source": "World Bank WDI",
    "licence": "CC BY 4.0",
    "description": "Internet users are individuals who have used the Internet ...",
    "source_id": "wdi",
    "economies": 217,
    "first_year": 1990,
    "last_year": 2023,
}


class Indicator(BaseModel):
    """An indicator's metadata and its coverage among current values."""

    model_config = ConfigDict(json_schema_extra={"example": _INDICATOR_EXAMPLE})

    code: str
    name: str | None
    unit: str | None
    topic: str | None
    direction: int | None = Field(None, description="+1 higher is better, -1 lower is better.")
    source: str | None
    licence: str | None
    description: str | None
    source_id: str | None
    economies: int | None = Field(None, description="Economies with at least one value.")
    first_year: int | None
    last_year: int | None


class IndicatorList(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"example": {"data": [_INDICATOR_EXAMPLE], "count": 1, "total": 1}}
    )

    data: list[Indicator]
    count: int = Field(description="Items in this response.")
    total: int = Field(description="Items matching the query.")


_OBS_EXAMPLE: dict[str, Any] = {
    "economy": "KEN",
    "indicator": "IT.NET.USER.ZS",
    "year": 2022,
    "value": 40.8,
    "flag": None,
    "source_id": "wdi",
    "vintage": "2024-06-28",
    "origin_id": 1,
}


class Observation(BaseModel):
    """One value with its provenance: source, vintage and flag (``E`` estimate, ``I``
    imputed, ``P`` projection ...; null = reported)."""

    model_config = ConfigDict(json_schema_extra={"example": _OBS_EXAMPLE})

    economy: str
    indicator: str
    year: int
    value: float
    flag: str | None
    source_id: str
    vintage: str
    origin_id: int = Field(description="The imported file / response it came from.")


class ObservationList(BaseModel):
    """Observations (not paginated)."""

    data: list[Observation]
    count: int


class ObservationPage(BaseModel):
    """A page of observations ordered by (economy, indicator, year)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "data": [_OBS_EXAMPLE],
                "count": 1,
                "next_cursor": "KEN~IT.NET.USER.ZS~2022",
            }
        }
    )

    data: list[Observation]
    count: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class Source(BaseModel):
    """A data source and what it holds now."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "source_id": "wdi",
                "indicators": 1496,
                "economies": 266,
                "first_year": 1960,
                "last_year": 2023,
                "values": 8_100_000,
                "history": 8_100_000,
                "vintages": ["2024-06-28"],
                "origins": 1,
                "last_import": "2026-11-23T09:12:00",
                "uris": ["file:///data/wdi/WDICSV.csv"],
            }
        }
    )

    source_id: str
    indicators: int
    economies: int
    first_year: int | None
    last_year: int | None
    values: int = Field(description="Current values.")
    history: int = Field(description="Values across every vintage.")
    vintages: list[str]
    origins: int = Field(description="Files / API responses imported.")
    last_import: AwareDatetime | None = Field(description="UTC.")
    uris: list[str]


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """The store keeps naive UTC timestamps; the API always says so (RFC 3339 with Z)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


class SourceList(BaseModel):
    data: list[Source]
    count: int


class Vintage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "vintage_id": 1,
                "source_id": "wdi",
                "label": "2024-06-28",
                "created_at": "2026-11-23T09:12:00",
                "rows": 8_100_000,
            }
        }
    )

    vintage_id: int
    source_id: str
    label: str
    created_at: AwareDatetime = Field(description="UTC.")
    rows: int


class VintageList(BaseModel):
    data: list[Vintage]
    count: int
