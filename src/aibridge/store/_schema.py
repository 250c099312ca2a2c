"""DDL of the indicator store (DuckDB).

Tables (see docs/data.md for the full description):

``series``
    One row per (economy, indicator) pair ever imported: ``series_id`` → ``economy_id``,
    ``indicator_id`` (small integer keys from ``economy_keys`` and ``indicator_keys``).
``observations``
    Every value ever imported, one row per (series, year, origin): ``series_id``, ``year``,
    ``value``, ``origin_id`` (the origin names the vintage). Four narrow columns, because the
    cost of a bulk import is DuckDB appending and compressing these rows: every column costs
    about 0.15–0.35 CPU-s per 10 M rows (ADR 0023). The logical key (economy, indicator, year,
    vintage) is enforced by :meth:`Store.ingest` (set-based anti-join) rather than by a DuckDB
    ART index, which would cost more to build on each bulk import than the import.
``flags``
    The flag (estimate / imputed / provisional) of the few observations that have one, keyed
    like ``observations``; most values carry none, so a sparse table beats a NULL column.
``superseded``
    The observations that are no longer current: a later vintage of the same key replaced
    them. Revisions are rare next to first imports, so a sparse list beats a per-row flag;
    a first import writes nothing here.
``history`` (view)
    ``observations`` with the codes, flag, source id, vintage label and ``is_current`` spelled
    out.
``current`` (view)
    The latest version of each (economy, indicator, year): the observations not in
    ``superseded`` (maintained inside the import transaction, so default queries never need
    a window over the full history).
``latest``
    One row per (economy, indicator): the most recent year of ``current``. Serves
    ``Store.latest_values`` (target < 5 ms).
``vintages``
    One row per (source_id, label). Vintages are ordered by ``(label, source_id)``, so labels
    should sort chronologically (ISO dates such as ``2024-06-28``).
``origins``
    Provenance: one row per imported file or API response (URI, sha256, retrieval time).
``unknown_codes``
    Economy codes an origin used that could not be mapped (rows not loaded), kept so that
    what was left out stays visible after the import report has scrolled away.
``indicators`` / ``economies``
    Metadata.

Timestamps are ``TIMESTAMP`` in UTC (not ``TIMESTAMPTZ``: fetching those into Python needs
``pytz``, and UTC is what provenance should record anyway).
"""

from __future__ import annotations

SCHEMA_VERSION = "4"

ECONOMY_COLUMNS: tuple[str, ...] = (
    "iso3",
    "iso2",
    "m49",
    "name",
    "name_ar",
    "name_zh",
    "name_fr",
    "name_ru",
    "name_es",
    "un_region",
    "un_subregion",
    "wb_region",
    "income_group",
    "is_aggregate",
    "is_un_member",
)

# The views spell an observation out: codes, flag, source and vintage of its origin.
_SAME_ROW = "{t}.series_id = o.series_id AND {t}.year = o.year AND {t}.origin_id = o.origin_id"
_SPELLED = (
    "e.economy, i.indicator, o.year, o.value, f.flag, v.source_id, v.label AS vintage, "
    "g.vintage_id, o.origin_id"
)
_DIMENSIONS = f"""
    JOIN series s ON s.series_id = o.series_id
    JOIN economy_keys e ON e.economy_id = s.economy_id
    JOIN indicator_keys i ON i.indicator_id = s.indicator_id
    JOIN origins g ON g.origin_id = o.origin_id
    JOIN vintages v ON v.vintage_id = g.vintage_id
    LEFT JOIN flags f ON {_SAME_ROW.format(t="f")}"""

DDL: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS store_meta (
        key VARCHAR NOT NULL,
        value VARCHAR
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS vintage_id_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS origin_id_seq START 1",
    """
    CREATE TABLE IF NOT EXISTS vintages (
        vintage_id INTEGER NOT NULL,
        source_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS origins (
        origin_id INTEGER NOT NULL,
        source_id VARCHAR NOT NULL,
        vintage_id INTEGER NOT NULL,
        vintage VARCHAR NOT NULL,
        uri VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        retrieved_at TIMESTAMP NOT NULL,
        imported_at TIMESTAMP NOT NULL,
        publisher VARCHAR,
        licence VARCHAR,
        title VARCHAR,
        n_rows BIGINT NOT NULL DEFAULT 0,
        inserted BIGINT NOT NULL DEFAULT 0,
        revised BIGINT NOT NULL DEFAULT 0,
        unchanged BIGINT NOT NULL DEFAULT 0,
        unknown BIGINT NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS unknown_codes (
        origin_id INTEGER NOT NULL,
        code VARCHAR NOT NULL,
        location VARCHAR,
        rows BIGINT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS indicators (
        code VARCHAR NOT NULL,
        name VARCHAR,
        unit VARCHAR,
        description VARCHAR,
        topic VARCHAR,
        direction TINYINT,
        licence VARCHAR,
        source VARCHAR,
        source_id VARCHAR,
        updated_at TIMESTAMP
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS economies (
        iso3 VARCHAR NOT NULL,
        iso2 VARCHAR,
        m49 SMALLINT,
        name VARCHAR,
        name_ar VARCHAR,
        name_zh VARCHAR,
        name_fr VARCHAR,
        name_ru VARCHAR,
        name_es VARCHAR,
        un_region VARCHAR,
        un_subregion VARCHAR,
        wb_region VARCHAR,
        income_group VARCHAR,
        is_aggregate BOOLEAN NOT NULL DEFAULT FALSE,
        is_un_member BOOLEAN NOT NULL DEFAULT FALSE
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS economy_keys (
        economy_id SMALLINT NOT NULL,
        economy VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS indicator_keys (
        indicator_id INTEGER NOT NULL,
        indicator VARCHAR NOT NULL
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS economy_id_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS indicator_id_seq START 1",
    "CREATE SEQUENCE IF NOT EXISTS series_id_seq START 1",
    """
    CREATE TABLE IF NOT EXISTS series (
        series_id INTEGER NOT NULL,
        economy_id SMALLINT NOT NULL,
        indicator_id INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS observations (
        series_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        value DOUBLE NOT NULL,
        origin_id INTEGER NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS flags (
        series_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        origin_id INTEGER NOT NULL,
        flag VARCHAR NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS superseded (
        series_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        origin_id INTEGER NOT NULL
    )
    """,
    f"""
    CREATE VIEW IF NOT EXISTS history AS
    SELECT {_SPELLED}, x.origin_id IS NULL AS is_current
    FROM observations o
    {_DIMENSIONS}
    LEFT JOIN superseded x ON {_SAME_ROW.format(t="x")}
    """,
    f"""
    CREATE VIEW IF NOT EXISTS current AS
    SELECT {_SPELLED}
    FROM (SELECT * FROM observations o ANTI JOIN superseded x ON {_SAME_ROW.format(t="x")}) o
    {_DIMENSIONS}
    """,
    """
    CREATE TABLE IF NOT EXISTS latest (
        economy VARCHAR NOT NULL,
        indicator VARCHAR NOT NULL,
        year SMALLINT NOT NULL,
        value DOUBLE NOT NULL,
        flag VARCHAR,
        source_id VARCHAR NOT NULL,
        vintage VARCHAR NOT NULL,
        vintage_id INTEGER NOT NULL,
        origin_id INTEGER NOT NULL
    )
    """,
)

#: Columns of every observation query result, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "economy",
    "indicator",
    "year",
    "value",
    "flag",
    "source_id",
    "vintage",
    "vintage_id",
    "origin_id",
)
