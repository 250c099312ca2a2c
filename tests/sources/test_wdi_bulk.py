"""WDI wide-layout importer: bulk and API_ files, economy mapping, bad input, real data."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources.wdi_bulk import WdiBulkSource, WgiCsvSource, sniff_wide_file
from aibridge.store import Store

HEADER = "Country Name,Country Code,Indicator Name,Indicator Code,2019,2020,2021,\n"
BODY = (
    "Kenya,KEN,Internet users (% of population),IT.NET.USER.ZS,17.8,,29.5,\n"
    'Romania,ROM,"Internet users (% of population)",IT.NET.USER.ZS,,78.5,,\n'
    "World,WLD,Internet users (% of population),IT.NET.USER.ZS,54.1,59.3,62.6,\n"
    "Atlantis,ZZZ,Internet users (% of population),IT.NET.USER.ZS,1,2,3,\n"
    "Kenya,KEN,Researchers (per million),SP.POP.SCIE.RD.P6,,,,\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_bulk_layout_unpivots_and_maps_codes(tmp_path: Path) -> None:
    batch = WdiBulkSource(vintage="2024-06-28").read_file(
        write(tmp_path / "WDIData.csv", HEADER + BODY)
    )
    rows = sorted(
        (r["economy"], r["indicator"], r["year"], r["value"])
        for r in batch.observations.to_pylist()
    )
    assert rows == [
        ("KEN", "IT.NET.USER.ZS", 2019, 17.8),
        ("KEN", "IT.NET.USER.ZS", 2021, 29.5),
        ("ROU", "IT.NET.USER.ZS", 2020, 78.5),  # legacy World Bank code mapped to ISO3
        ("WLD", "IT.NET.USER.ZS", 2019, 54.1),
        ("WLD", "IT.NET.USER.ZS", 2020, 59.3),
        ("WLD", "IT.NET.USER.ZS", 2021, 62.6),
    ]
    assert batch.aggregates == frozenset({"WLD"})
    # the unknown code is reported with its line, never silently dropped
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("ZZZ", 1)]
    assert batch.unknown_codes[0].where.endswith("WDIData.csv:5")
    assert batch.origin.vintage == "2024-06-28" and len(batch.origin.sha256) == 64
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert meta["IT.NET.USER.ZS"]["unit"] == "% of population"
    assert meta["SP.POP.SCIE.RD.P6"]["licence"] == "CC BY 4.0"


def test_api_download_with_preamble_and_companions(tmp_path: Path) -> None:
    name = "API_IT.NET.USER.ZS_DS2_en_csv_v2_1.csv"
    text = (
        '\ufeff"Data Source","World Development Indicators",\n\n'
        '"Last Updated Date","2026-07-13",\n\n' + HEADER.replace(",\n", ',""\n') + BODY
    )
    write(tmp_path / name, text)
    write(
        tmp_path / f"Metadata_Country_{name}",
        '"Country Code","Region","IncomeGroup","SpecialNotes","TableName",\n'
        '"KEN","Sub-Saharan Africa","Lower middle income","","Kenya",\n'
        '"ZZZ","","","","Atlantis aggregate",\n',
    )
    write(
        tmp_path / f"Metadata_Indicator_{name}",
        '"INDICATOR_CODE","INDICATOR_NAME","SOURCE_NOTE","SOURCE_ORGANIZATION",\n'
        '"IT.NET.USER.ZS","Internet users","People using the Internet.","ITU",\n',
    )
    (batch,) = list(WdiBulkSource().read(tmp_path))  # metadata files are not data files
    assert batch.origin.vintage == "2026-07-13"
    assert "ZZZ" in batch.aggregates and not batch.unknown_codes  # no region = aggregate
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert meta["IT.NET.USER.ZS"]["description"] == "People using the Internet."
    assert meta["IT.NET.USER.ZS"]["source"] == "ITU"
    assert sniff_wide_file(tmp_path / name).header_line == 5


def test_gzip_and_vintage_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "WDIData_2013_subset.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(HEADER + BODY)
    batch = WdiBulkSource().read_file(path)
    assert batch.origin.vintage == "2013"
    assert batch.observations.num_rows == 6
    plain = WdiBulkSource().read_file(write(tmp_path / "WDIData.csv", HEADER + BODY))
    assert plain.origin.vintage == "2021"  # last year column when nothing better is known


def test_wgi_prefix(tmp_path: Path) -> None:
    text = (
        "Country Name,Country Code,Indicator Name,Indicator Code,2021,2022\n"
        "Kenya,KEN,Government Effectiveness: Estimate,GE.EST,-0.35,-0.30\n"
    )
    batch = WgiCsvSource().read_file(write(tmp_path / "WGIData.csv", text))
    assert set(batch.observations.column("indicator").to_pylist()) == {"WGI.GE.EST"}
    assert batch.origin.source_id == "wgi"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (
            "Country,Code,Name,Series,2019\nKenya,KEN,x,A,1\n",
            r"line 1: no WDI header found .*Country Name, Country Code",
        ),
        (
            "Country Name,Country Code,Indicator Name,Indicator Code,2019,Notes\n",
            r"line 1, column 'Notes': header field 6 is 'Notes', expected a year",
        ),
        (
            HEADER + "Kenya,KEN,Internet,IT.NET.USER.ZS,17.8,n/a,29.5,\n",
            r"line 2, column '2020': non-numeric value 'n/a'",
        ),
        (
            HEADER + BODY + "Kenya,KEN,Internet,IT.NET.USER.ZS,1,2,3,\n",
            r"line 7, column 'Country Code': duplicate key: IT.NET.USER.ZS for KEN appears on "
            r"lines 2, 7",
        ),
        (
            HEADER + BODY + "Romania,ROU,Internet,IT.NET.USER.ZS,1,2,3,\n",
            r"duplicate key: IT.NET.USER.ZS for ROU is given as ROM and ROU",
        ),
        (
            HEADER + "Kenya,KEN,Internet,IT.NET.USER.ZS,17.8\n",
            r"line 2.*every line needs the 8 fields",
        ),
        (HEADER + ",,Internet,IT.NET.USER.ZS,1,2,3,\n", r"line 2, column 'Country Code': empty"),
    ],
)
def test_malformed_files_name_file_line_column(tmp_path: Path, text: str, pattern: str) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(SourceFormatError, match=pattern) as info:
        WdiBulkSource().read_file(path)
    assert str(path) in str(info.value)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        list(WdiBulkSource().read(tmp_path / "nope"))
    with pytest.raises(SourceUnavailable, match="no WDI wide CSV"):
        list(WdiBulkSource().read(tmp_path))


def test_import_into_store_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path / "WDIData.csv", HEADER + BODY)
    with Store() as store:
        first = store.ingest_many(WdiBulkSource().read(path))
        again = store.ingest_many(WdiBulkSource().read(path))
        assert (first.inserted, again.inserted, again.unchanged, again.written) == (6, 0, 6, 0)
        assert first.unknown_rows == 1
        unknown = store.unknown_codes()
        assert unknown[["code", "rows", "source_id"]].values.tolist() == [["ZZZ", 1, "wdi-bulk"]]
        assert unknown.location.iloc[0].endswith("WDIData.csv:5")
        econ = store.economies(include_aggregates=True).set_index("iso3")
        assert bool(econ.loc["WLD", "is_aggregate"]) and not bool(econ.loc["KEN", "is_aggregate"])


# -- real data ---------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_wdi_2013_and_recent(shared_data: Path) -> None:
    with Store() as store:
        old = store.ingest_many(WdiBulkSource().read(shared_data / "wdi-2013"))
        # every non-empty cell of the file is loaded (counted independently with pandas)
        assert old.rows == 1_048_772 and not old.unknown_codes
        assert old.indicators == 270 and old.vintages == ["2013"]
        recent = store.ingest_many(WdiBulkSource().read(shared_data / "wdi-recent"))
        assert recent.rows == 3198 + 8699 + 2475
        assert sorted(recent.vintages) == ["2024-06-28", "2026-07-13"]

        def value(economy: str, indicator: str, year: int, **kw: object) -> float:
            rows = store.observations(economy, indicator, year, **kw).to_pylist()  # type: ignore[arg-type]
            assert len(rows) == 1
            return float(rows[0]["value"])

        assert value("KEN", "IT.NET.USER.P2", 2012) == pytest.approx(32.0954171077906, abs=1e-12)
        assert value("ROU", "IT.NET.USER.P2", 2012) == 50.0  # file code ROM
        assert value("NAM", "SE.TER.ENRR", 2019) == pytest.approx(27.7483100891113)
        assert value("DEU", "GB.XPD.RSDV.GD.ZS", 2022) == pytest.approx(3.07096)
        # a revised value: the 2024 release replaced the 2013 one, which stays queryable
        assert value("KEN", "SE.TER.ENRR", 2009) == pytest.approx(3.97073006629944)
        assert value("KEN", "SE.TER.ENRR", 2009, as_of="2013") == pytest.approx(4.04812)
        econ = store.economies(include_aggregates=True).set_index("iso3")
        assert bool(econ.loc["WLD", "is_aggregate"]) and bool(econ.loc["HIC", "is_aggregate"])
        sources = store.status().sources.set_index("source_id")
        assert sources.loc["wdi-bulk", "last_year"] == 2024


@pytest.mark.shared_data
def test_real_wgi_csv(shared_data: Path) -> None:
    (batch,) = list(WgiCsvSource().read(shared_data / "wgi-2024"))
    assert [u.code for u in batch.unknown_codes] == ["ANT"]  # Netherlands Antilles: no ISO3
    with Store() as store:
        store.ingest(batch)
        got = store.observations("KEN", "WGI.GE.EST", 2022).to_pylist()[0]["value"]
        assert got == pytest.approx(-0.300569444894791)


# -- the in-database fast path (Store.import_path) ----------------------------------------------


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    q = {
        "current": "SELECT economy, indicator, year, value, flag, source_id, vintage FROM current",
        "latest": "SELECT economy, indicator, year, value, source_id, vintage FROM latest",
        "history": "SELECT economy, indicator, year, value, is_current, vintage FROM history",
        "indicators": "SELECT code, name, unit FROM indicators",
    }
    return {k: sorted(store.con.sql(sql).fetchall(), key=repr) for k, sql in q.items()}


def test_fast_path_equals_batch_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a" / "WDIData.csv", HEADER + BODY)
    second = write(tmp_path / "b" / "WDIData.csv", HEADER + BODY.replace("17.8", "18.1"))
    with Store() as slow, Store() as fast:
        for path, vintage in ((first, "2023"), (second, "2024"), (first, "2023")):
            a = slow.ingest_many(WdiBulkSource(vintage=vintage).read(path))
            b = fast.import_path(WdiBulkSource(vintage=vintage), path)
            assert (a.rows, a.inserted, a.revised, a.unchanged, a.superseded, a.written) == (
                b.rows,
                b.inserted,
                b.revised,
                b.unchanged,
                b.superseded,
                b.written,
            )
            assert [u.code for u in b.unknown_codes] == ["ZZZ"]
        assert _dump(slow) == _dump(fast)
        assert fast.observations("KEN", years=2019, as_of="2023").to_pylist()[0]["value"] == 17.8
        # no temporary relation is left behind
        left = fast.con.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()
        assert left == [(0,)]


def test_fast_path_folder_is_all_or_nothing(tmp_path: Path) -> None:
    write(tmp_path / "API_A_DS2.csv", HEADER + BODY)
    write(tmp_path / "API_B_DS2.csv", HEADER + BODY.replace("29.5", "bad"))
    with Store() as store:
        with pytest.raises(SourceFormatError, match=r"API_B_DS2\.csv, line 2, column '2021'"):
            store.import_path(WdiBulkSource(), tmp_path)
        assert store.status().observations == 0 and len(store.origins()) == 0


def test_non_finite_cells_are_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "WDIData.csv", HEADER + "Kenya,KEN,x,IT.NET.USER.ZS,1,inf,3,\n")
    with pytest.raises(SourceFormatError, match=r"line 2, column '2020': non-finite value inf"):
        WdiBulkSource().read_file(path)


def test_arrow_reader_is_the_route_for_good_files(tmp_path: Path) -> None:
    import duckdb

    api = (
        '"Data Source","World Development Indicators",\n\n"Last Updated Date","2026-07-13",\n\n'
        + HEADER
        + BODY
    )
    path = write(tmp_path / "API_X_DS2_en_csv_v2_1.csv", api)
    con = duckdb.connect()
    staged = WdiBulkSource().stage_into(con, path, name="_t")
    temp = {
        r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    }
    assert "_t_raw" not in temp  # parsed by Arrow, not re-read by DuckDB
    assert con.sql(f"SELECT count(*) FROM {staged.relation}").fetchall() == [(6,)]
    assert staged.origin.vintage == "2026-07-13" and staged.keys_unique
