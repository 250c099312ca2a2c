"""DDL of the indicator store (DuckDB).

Tables (see docs/data.md for the full description):

``observations``
    Every value ever imported, one row per (economy, indicator, year, vintage_id). Economy
    and indicator are small integer keys (``economy_keys``, ``indicator_keys``): writing ten
    million integer pairs costs about half what the strings cost. The logical key is enforced
    by :meth:`Store.ingest` (set-based anti-join) rather than by a DuckDB ART index: a unique
    index over millions of keys costs more to build on each bulk import than the import.
``history`` (view)
    ``observations`` with the codes, source id and vintage label spelled out.
``current`` (view)
    The latest version of each (economy, indicator, year): the rows of ``observations`` with
    ``is_current``, i.e. whose vintage sorts last for their key. The flag is maintained inside
    the import transaction, so default queries never need a window over the full history, and
    a first import writes each value once (no second copy).
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

SCHEMA_VERSION = "3"

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
    """
    CREATE TABLE IF NOT EXISTS observations (
        economy_id SMALLINT NOT NULL,
        indicator_id INTEGER NOT NULL,
        year SMALLINT NOT NULL,
        value DOUBLE NOT NULL,
        flag VARCHAR,
        vintage_id INTEGER NOT NULL,
        origin_id INTEGER NOT NULL,
        is_current BOOLEAN NOT NULL
    )
    """,
    """
    CREATE VIEW IF NOT EXISTS history AS
    SELECT e.economy, i.indicator, o.year, o.value, o.flag, v.source_id, v.label AS vintage,
           o.vintage_id, o.origin_id, o.is_current
    FROM observations o
    JOIN vintages v USING (vintage_id)
    JOIN economy_keys e USING (economy_id)
    JOIN indicator_keys i USING (indicator_id)
    """,
    """
    CREATE VIEW IF NOT EXISTS current AS
    SELECT economy, indicator, year, value, flag, source_id, vintage, vintage_id, origin_id
    FROM history WHERE is_current
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
