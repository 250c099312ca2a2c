"""CLI: init, import, status, indicators search, data get, export datapackage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aibridge.cli.commands_data import parse_years
from aibridge.cli.main import app, run
from aibridge.store import Store

HEADER = "Country Name,Country Code,Indicator Name,Indicator Code,2015,2016,2017\n"
BODY = (
    "Kenya,KEN,Individuals using the Internet (% of population),IT.NET.USER.ZS,16.6,17.8,\n"
    "Uganda,UGA,Individuals using the Internet (% of population),IT.NET.USER.ZS,,10.1,\n"
    "World,WLD,Individuals using the Internet (% of population),IT.NET.USER.ZS,40,45,48\n"
    "Atlantis,ZZZ,Individuals using the Internet (% of population),IT.NET.USER.ZS,1,,\n"
)

runner = CliRunner()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def loaded(tmp_path: Path, store_path: Path) -> Path:
    data = tmp_path / "WDIData.csv"
    data.write_text(HEADER + BODY, encoding="utf-8")
    result = runner.invoke(
        app,
        ["import", "wdi-bulk", str(data), "--vintage", "2024-06-28", "--store", str(store_path)],
    )
    assert result.exit_code == 0, result.output
    assert "6 rows from wdi-bulk" in result.output and "ZZZ" in result.output
    return store_path


def test_init_creates_store(store_path: Path) -> None:
    result = runner.invoke(app, ["init", "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    assert store_path.exists() and "Store ready" in result.output


def test_init_default_path_under_home(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    from aibridge.settings import get_settings

    assert Path(get_settings().store_path).exists()


def test_import_is_idempotent_and_json_report(loaded: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "import",
            "wdi-bulk",
            str(tmp_path / "WDIData.csv"),
            "--vintage",
            "2024-06-28",
            "--store",
            str(loaded),
            "--json",
        ],
    )
    report = json.loads(result.output)
    assert (report["inserted"], report["unchanged"], report["written"]) == (0, 6, 0)
    assert report["unknown_codes"][0]["code"] == "ZZZ"


def test_data_get_formats(loaded: Path, tmp_path: Path) -> None:
    base = [
        "data",
        "get",
        "--economy",
        "KEN",
        "--indicator",
        "IT.NET.USER.ZS",
        "--store",
        str(loaded),
    ]
    table = runner.invoke(app, [*base, "--years", "2015:2023"])
    assert table.exit_code == 0 and "17.8" in table.output and "2024-06-28" in table.output
    csv = runner.invoke(app, [*base, "--format", "csv"])
    assert csv.output.splitlines()[1].startswith(
        "KEN,IT.NET.USER.ZS,2015,16.6,,wdi-bulk,2024-06-28"
    )
    rows = json.loads(runner.invoke(app, [*base, "--format", "json", "--years", "2016"]).output)
    assert rows[0]["value"] == 17.8 and rows[0]["origin_id"] == 1
    out = tmp_path / "x.parquet"
    assert runner.invoke(app, [*base, "--format", "parquet", "-o", str(out)]).exit_code == 0
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == 2
    latest = runner.invoke(
        app, ["data", "get", "-e", "KEN,UGA", "--latest", "--format", "csv", "--store", str(loaded)]
    )
    assert [line.split(",")[2] for line in latest.output.splitlines()[1:]] == ["2016", "2016"]


def test_as_of(loaded: Path, tmp_path: Path) -> None:
    revised = tmp_path / "rev" / "WDIData.csv"
    revised.parent.mkdir()
    revised.write_text(HEADER + BODY.replace("17.8", "18.0"), encoding="utf-8")
    runner.invoke(
        app, ["import", "wdi-bulk", str(revised), "--vintage", "2025-07-01", "--store", str(loaded)]
    )
    get = ["data", "get", "-e", "KEN", "--years", "2016", "--format", "csv", "--store", str(loaded)]
    assert ",18.0," in runner.invoke(app, get).output
    assert ",17.8," in runner.invoke(app, [*get, "--as-of", "2024-06-28"]).output


def test_indicators_search_and_status(loaded: Path) -> None:
    found = runner.invoke(
        app, ["indicators", "search", "internet", "--format", "json", "--store", str(loaded)]
    )
    assert json.loads(found.output)[0]["code"] == "IT.NET.USER.ZS"
    status = runner.invoke(app, ["status", "--json", "--store", str(loaded)])
    payload = json.loads(status.output)
    src = payload["sources"][0]
    assert (src["source_id"], src["indicators"], src["economies"]) == ("wdi-bulk", 1, 3)
    assert (src["first_year"], src["last_year"]) == (2015, 2017)
    text = runner.invoke(app, ["status", "--store", str(loaded)])
    assert "wdi-bulk" in text.output and "2015–2017" in text.output


def test_export_then_import_datapackage(loaded: Path, tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    result = runner.invoke(app, ["export", "datapackage", str(pkg), "--store", str(loaded)])
    assert result.exit_code == 0, result.output
    assert (pkg / "datapackage.json").exists()
    other = tmp_path / "other.duckdb"
    result = runner.invoke(app, ["import", "datapackage", str(pkg), "--store", str(other)])
    assert result.exit_code == 0, result.output
    with Store(loaded, read_only=True) as a, Store(other, read_only=True) as b:
        cols = ["economy", "indicator", "year", "value", "flag", "source_id", "vintage"]
        assert a.observations().to_pandas()[cols].equals(b.observations().to_pandas()[cols])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "get", "-e", "KENX"], "unknown economy code(s) KENX"),
        (["data", "get", "--years", "20x5"], "--years must look like"),
        (["data", "get", "--as-of", "someday"], "unknown vintage 'someday'"),
        (["import", "nope", "x"], "unknown source 'nope'"),
        (["import", "wdi-bulk", "/does/not/exist"], "does not exist"),
        (["data", "get", "--format", "xml"], "--format must be"),
    ],
)
def test_errors_are_one_line_exit_1(
    loaded: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        run([*args, "--store", str(loaded)])
    assert info.value.code == 1
    captured = capsys.readouterr().err.strip()
    assert captured.startswith("Error:") and message in captured
    assert "Traceback" not in captured


def test_bad_file_error_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Kenya,KEN,x,IT.NET.USER.ZS,1,oops,3\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        run(["import", "wdi-bulk", str(bad), "--store", str(tmp_path / "s.duckdb")])
    err = capsys.readouterr().err
    assert "line 2" in err and "'2016'" in err and "oops" in err


def test_query_without_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run(["status", "--store", str(tmp_path / "none.duckdb")])
    assert "aibridge init" in capsys.readouterr().err


def test_parse_years() -> None:
    assert parse_years("2015:2023") == (2015, 2023)
    assert parse_years("2015,2018") == [2015, 2018]
    assert parse_years("2020") == 2020
    assert parse_years(":2010") == (-32768, 2010)
    assert parse_years(None) is None


def test_every_command_has_help() -> None:
    for args in (
        ["init"],
        ["import"],
        ["status"],
        ["sources"],
        ["indicators", "search"],
        ["data", "get"],
        ["export", "datapackage"],
    ):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, args
