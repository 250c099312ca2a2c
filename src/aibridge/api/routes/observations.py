"""``/v1/observations``: values with their provenance, filtered, paginated, in JSON, CSV or
Parquet.

Pagination is keyset ("cursor"), not offset: rows are ordered by (economy, indicator, year)
and the cursor encodes the last key of a page, so each page costs the same however deep it
is and pages stay consistent while data are appended. Bodies are encoded by polars/pyarrow
(columnar, in native code) rather than by building one Python object per row: an indicator for
every economy and year is about 15,000 rows.
"""

from __future__ import annotations

import io
from typing import Annotated, Any, Final, Literal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from aibridge.api.deps import StoreDep
from aibridge.api.encode import json_rows
from aibridge.api.errors import ApiProblem
from aibridge.api.openapi import NOT_FOUND, NOT_MODIFIED, problem
from aibridge.api.params import (
    ECONOMY_CODE,
    INDICATOR_CODE,
    EconomyQuery,
    IndicatorQuery,
    split_codes,
)
from aibridge.api.schemas import ObservationPage
from aibridge.errors import NotFoundError
from aibridge.store import Store

router = APIRouter(prefix="/v1/observations", tags=["observations"], responses=NOT_MODIFIED)

COLUMNS: Final = (
    "economy",
    "indicator",
    "year",
    "value",
    "flag",
    "source_id",
    "vintage",
    "origin_id",
)
MEDIA: Final = {
    "json": "application/json",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
}
_ACCEPT: Final = {
    "application/json": "json",
    "text/csv": "csv",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/parquet": "parquet",
}
MAX_LIMIT: Final = 50_000


def negotiate(fmt: str | None, accept: str | None) -> str:
    """``?format=`` wins; else the first supported type in ``Accept``; else JSON."""
    if fmt:
        return fmt
    if not accept:
        return "json"
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *opts = (p.strip() for p in part.split(";"))
        q = 1.0
        for opt in opts:
            if opt.startswith("q="):
                try:
                    q = float(opt[2:])
                except ValueError:
                    q = 0.0
        name = _ACCEPT.get(media.lower())
        if name is None and media in ("*/*", "application/*"):
            name = "json"
        if name is None and media == "text/*":
            name = "csv"
        if name and q > 0 and (best is None or (q, -position) > (best[0], best[1])):
            best = (q, -position, name)
    if best is None:
        raise ApiProblem(
            406,
            f"cannot answer {accept!r}; observations come as application/json, text/csv or "
            "application/vnd.apache.parquet (or use ?format=json|csv|parquet)",
            kind="not-acceptable",
        )
    return best[2]


#: A cursor is the (economy, indicator, year) key of the last row seen, ``ECO~INDICATOR~YEAR``:
#: readable, and any well-formed key is a valid position (the next page starts after it).
CURSOR_PATTERN: Final = r"^[A-Za-z0-9_]{1,12}~[A-Za-z0-9][A-Za-z0-9._:/+-]{0,199}~-?[0-9]{1,4}$"


def encode_cursor(row: tuple[str, str, int]) -> str:
    return f"{row[0]}~{row[1]}~{row[2]}"


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    economy, rest = cursor.split("~", 1)
    indicator, year = rest.rsplit("~", 1)
    return economy, indicator, int(year)


def check_codes(store: Store, economies: list[str] | None, indicators: list[str] | None) -> None:
    """404 naming unknown codes (with close matches) before any query runs."""
    import difflib

    for codes, table, column, what, fix in (
        (economies, "economies", "iso3", "economy", "GET /v1/economies lists them"),
        (indicators, "indicators", "code", "indicator", "search with GET /v1/indicators?q="),
    ):
        if not codes:
            continue
        missing = [
            r[0]
            for r in store.con.execute(
                f"SELECT c FROM unnest(?::VARCHAR[]) t(c) ANTI JOIN {table} ON c = {column}",
                [codes],
            ).fetchall()
        ]
        if missing:
            hints = ""
            if len(missing) <= 3:
                known = [
                    r[0] for r in store.con.execute(f"SELECT {column} FROM {table}").fetchall()
                ]
                close = [
                    f"{code}: did you mean {', '.join(m)}?"
                    for code in missing
                    if (m := difflib.get_close_matches(code, known, n=3, cutoff=0.7))
                ]
                hints = (" " + " ".join(close)) if close else ""
            raise NotFoundError(
                f"unknown {what} code(s) {', '.join(sorted(missing)[:10])}.{hints} ({fix})"
            )


def query_page(
    store: Store,
    *,
    economies: list[str] | None,
    indicators: list[str] | None,
    year_from: int | None,
    year_to: int | None,
    latest: bool,
    include_aggregates: bool,
    after: tuple[str, str, int] | None,
    limit: int,
    as_of: str | None,
) -> pa.Table:
    """Up to ``limit + 1`` rows after ``after`` (the extra row says whether a page follows)."""
    where: list[str] = []
    params: list[Any] = []
    # one code compares with "=", which DuckDB pushes into the view's key tables; a list
    # goes in as one parameter (any length, no SQL built from values)
    for codes, column in ((economies, "economy"), (indicators, "indicator")):
        if codes and len(codes) == 1:
            where.append(f"{column} = ?")
            params.append(codes[0])
        elif codes:
            where.append(f"list_contains(?::VARCHAR[], {column})")
            params.append(codes)
    if year_from is not None:
        where.append("year >= ?")
        params.append(year_from)
    if year_to is not None:
        where.append("year <= ?")
        params.append(year_to)
    if not include_aggregates:
        where.append("economy NOT IN (SELECT iso3 FROM economies WHERE is_aggregate)")
    cols = ", ".join(COLUMNS)
    if as_of is not None:
        # the store resolves vintages (labels, ids, date prefixes); page in memory after it
        years: Any = None
        if year_from is not None or year_to is not None:
            years = (year_from, year_to)
        table = store.observations(
            economies,
            indicators,
            years,
            as_of=as_of,
            latest=latest,
            include_aggregates=include_aggregates,
        ).to_arrow()
        frame = pl.from_arrow(table.select(list(COLUMNS)))
        assert isinstance(frame, pl.DataFrame)
        if after is not None:
            e, i, y = after
            frame = frame.filter(
                (pl.col("economy") > e)
                | ((pl.col("economy") == e) & (pl.col("indicator") > i))
                | ((pl.col("economy") == e) & (pl.col("indicator") == i) & (pl.col("year") > y))
            )
        return frame.head(limit + 1).to_arrow()
    if after is not None:
        e, i, y = after
        where.append(
            "(economy > ? OR (economy = ? AND (indicator > ? OR (indicator = ? AND year > ?))))"
        )
        params.extend([e, e, i, i, y])
    cond = f"WHERE {' AND '.join(where)}" if where else ""
    if latest and year_from is None and year_to is None:
        source = "latest"
        qualify = ""
    else:
        source = "current"
        qualify = (
            "QUALIFY row_number() OVER (PARTITION BY economy, indicator ORDER BY year DESC) = 1"
            if latest
            else ""
        )
    if latest and qualify and after is not None:
        # the keyset filter must apply after the latest-year window, not before it
        inner = [w for w in where if not w.startswith("(economy >")]
        inner_cond = f"WHERE {' AND '.join(inner)}" if inner else ""
        sql = (
            f"SELECT * FROM (SELECT {cols} FROM current {inner_cond} {qualify}) "
            "WHERE (economy > ? OR (economy = ? AND (indicator > ? OR (indicator = ? AND "
            "year > ?)))) ORDER BY economy, indicator, year LIMIT ?"
        )
        params = params[:-5] + params[-5:] + [limit + 1]
    else:
        sql = (
            f"SELECT {cols} FROM {source} {cond} {qualify} "
            f"ORDER BY economy, indicator, year LIMIT ?"
        )
        params.append(limit + 1)
    return store.con.sql(sql, params=params).to_arrow_table()


def _json_body(table: pa.Table, next_cursor: str | None) -> bytes:
    return json_rows(table, next_cursor=next_cursor)


@router.get(
    "",
    summary="Query observations",
    response_model=ObservationPage,
    responses={
        **NOT_FOUND,
        200: {
            "description": "A page of observations. JSON by default; CSV or Parquet by "
            "`Accept` or `?format=`. The next page's cursor is in the body (JSON) and in the "
            "`X-Next-Cursor` header and a `Link: rel=next` header (every format).",
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "economy,indicator,year,value,flag,source_id,vintage,origin_id\n"
                    "KEN,IT.NET.USER.ZS,2022,40.8,,wdi,2024-06-28,1\n",
                },
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        },
        406: problem(406, "Not Acceptable", "cannot answer 'image/png'"),
    },
)
def get_observations(
    request: Request,
    store: StoreDep,
    economy: EconomyQuery = None,
    indicator: IndicatorQuery = None,
    year_from: Annotated[
        int | None, Query(ge=1700, le=2200, description="First year (inclusive).")
    ] = None,
    year_to: Annotated[
        int | None, Query(ge=1700, le=2200, description="Last year (inclusive).")
    ] = None,
    latest: Annotated[
        bool, Query(description="Only the most recent year per economy and indicator.")
    ] = False,
    include_aggregates: Annotated[
        bool, Query(description="Include regions, income groups and World.")
    ] = True,
    as_of: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="Values as published up to this vintage (label, id, or date prefix "
            "such as 2023-06); default: the latest.",
        ),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per page (at most {MAX_LIMIT}).")
    ] = 1000,
    cursor: Annotated[
        str | None,
        Query(
            max_length=220,
            pattern=CURSOR_PATTERN,
            description="The `next_cursor` of the previous page: the (economy, indicator, "
            "year) key after which this page starts, as `ECO~INDICATOR~YEAR`.",
            examples=["KEN~IT.NET.USER.ZS~2022"],
        ),
    ] = None,
    format: Annotated[
        Literal["json", "csv", "parquet"] | None,
        Query(description="Overrides the Accept header."),
    ] = None,
) -> Response:
    """Values with their provenance: every row carries its source, vintage, origin and flag.

    Filter by economies, indicators and a year range; rows are ordered by (economy,
    indicator, year). Unknown codes answer 404 with close matches.
    """
    kind = negotiate(format, request.headers.get("accept"))
    economies = split_codes(economy, pattern=ECONOMY_CODE, what="economy")
    indicators = split_codes(indicator, pattern=INDICATOR_CODE, what="indicator")
    check_codes(store, economies, indicators)
    after = decode_cursor(cursor) if cursor else None
    table = query_page(
        store,
        economies=economies,
        indicators=indicators,
        year_from=year_from,
        year_to=year_to,
        latest=latest,
        include_aggregates=include_aggregates,
        after=after,
        limit=limit,
        as_of=as_of,
    )
    next_cursor = None
    if table.num_rows > limit:
        table = table.slice(0, limit)
        last = table.slice(limit - 1, 1).to_pylist()[0]
        next_cursor = encode_cursor((last["economy"], last["indicator"], int(last["year"])))
    headers: dict[str, str] = {}
    if next_cursor:
        headers["X-Next-Cursor"] = next_cursor
        nxt = request.url.include_query_params(cursor=next_cursor)
        headers["Link"] = f'<{nxt.path}?{nxt.query}>; rel="next"'
    if kind == "csv":
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        body = frame.write_csv().encode()
        headers["Content-Disposition"] = 'inline; filename="observations.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    if kind == "parquet":
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        headers["Content-Disposition"] = 'attachment; filename="observations.parquet"'
        return Response(sink.getvalue(), media_type=MEDIA["parquet"], headers=headers)
    return Response(_json_body(table, next_cursor), media_type="application/json", headers=headers)
