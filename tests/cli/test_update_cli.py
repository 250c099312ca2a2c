"""``aibridge update worldbank|sdmx`` with recorded responses (respx), checked in the store."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from aibridge.cli.commands_update import year_range
from aibridge.cli.main import app, run
from aibridge.errors import ConfigError
from aibridge.store import Store

RECORDED = Path(__file__).parents[1] / "sources" / "recorded"
WB = RECORDED / "worldbank"
runner = CliRunner()


def worldbank_routes(router: respx.MockRouter) -> None:
    def data(request: httpx.Request) -> httpx.Response:
        page = request.url.params.get("page", "1")
        return httpx.Response(
            200, content=(WB / f"data_IT.NET.USER.ZS_page{page}.json").read_bytes()
        )

    router.get("https://api.worldbank.org/v2/country").mock(
        return_value=httpx.Response(200, content=(WB / "country.json").read_bytes())
    )
    router.get("https://api.worldbank.org/v2/indicator/IT.NET.USER.ZS").mock(
        return_value=httpx.Response(
            200, content=(WB / "indicator_IT.NET.USER.ZS.json").read_bytes()
        )
    )
    router.get(
        url__regex=r"https://api\.worldbank\.org/v2/country/[^/]+/indicator/IT\.NET\.USER\.ZS"
    ).mock(side_effect=data)
    router.get(url__regex=r"https://api\.worldbank\.org/v2/country/[^/]+/indicator/BAD\.CODE").mock(
        return_value=httpx.Response(200, content=(WB / "error_invalid_indicator.json").read_bytes())
    )


def test_update_worldbank_ingests_into_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with respx.mock(assert_all_called=False) as router:
        worldbank_routes(router)
        result = runner.invoke(
            app,
            ["update", "worldbank", "--indicator", "IT.NET.USER.ZS", "--years", "2021:2022",
             "--store", str(db), "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        calls = [str(c.request.url) for c in router.calls]
    assert any("date=2021%3A2022" in u or "date=2021:2022" in u for u in calls)
    report = json.loads(result.output)
    assert report["inserted"] == 5
    with Store.open(db, read_only=True) as s:
        obs = s.observations(indicators="IT.NET.USER.ZS").to_pandas()
        assert sorted(zip(obs.economy, obs.year, obs.value, strict=True)) == [
            ("KEN", 2021, 28.8), ("KEN", 2022, 40.8), ("NGA", 2021, 35.5),
            ("NGA", 2022, 45.5), ("SSF", 2022, 36.1),
        ]  # fmt: skip
        assert set(obs.vintage) == {"2024-06-28"}
        origins = s.origins()
        assert origins.uri.str.contains("api.worldbank.org/v2/country/all/indicator").any()
        econ = s.economies(include_aggregates=True).set_index("iso3")
        assert econ.loc["KEN", "income_group"] == "Lower middle income"
        assert econ.loc["KEN", "wb_region"] == "Sub-Saharan Africa"
        assert (
            bool(econ.loc["SSF", "is_aggregate"])
            and econ.loc["SSF", "name"] == "Sub-Saharan Africa"
        )
        assert econ.loc["DEU", "income_group"] == "High income"  # listed by the API, no data
        meta = s.indicators("Internet")
        assert "IT.NET.USER.ZS" in set(meta["code"])


def test_update_worldbank_second_run_uses_cache_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    args = ["update", "worldbank", "-i", "IT.NET.USER.ZS", "--store", str(db), "--json"]
    with respx.mock(assert_all_called=False) as router:
        worldbank_routes(router)
        assert runner.invoke(app, args).exit_code == 0
        n = len(router.calls)
        second = runner.invoke(app, args)
        assert second.exit_code == 0, second.output
        assert len(router.calls) == n  # served from $AIBRIDGE_HOME/cache
    report = json.loads(second.output)
    assert report["inserted"] == 0 and report["revised"] == 0


def test_update_worldbank_bad_code_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with respx.mock(assert_all_called=False) as router:
        worldbank_routes(router)
        result = runner.invoke(
            app, ["update", "worldbank", "-i", "IT.NET.USER.ZS,BAD.CODE", "--store", str(db)]
        )
    assert result.exit_code != 0
    assert "indicator was not found" in str(result.exception)
    with Store.open(db) as s:  # the good indicator was not written either: all or nothing
        assert s.observations(indicators=None).to_pandas().empty


def test_update_worldbank_network_down_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with respx.mock() as router:
        router.get(url__regex=r".*").mock(side_effect=httpx.ConnectError("no route to host"))
        with pytest.raises(SystemExit) as info:
            run(["update", "worldbank", "-i", "IT.NET.USER.ZS", "--retries", "0",
                 "--store", str(tmp_path / "s.duckdb")])  # fmt: skip
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error:") and "network error" in err and "Traceback" not in err


def test_update_sdmx(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    body = (RECORDED / "sdmx" / "estat_isoc_ci_in_h.xml").read_bytes()
    structure = (RECORDED / "sdmx" / "estat_isoc_ci_in_h_structure.xml").read_bytes()
    with respx.mock() as router:
        names = router.get(url__regex=r"/dataflow/ESTAT/isoc_ci_in_h/").mock(
            return_value=httpx.Response(200, content=structure)
        )  # codelist names (sources.sdmx: structure=True)
        route = router.get(url__startswith="https://ec.europa.eu/eurostat/api/dissemination").mock(
            return_value=httpx.Response(200, content=body)
        )
        result = runner.invoke(
            app,
            ["update", "sdmx", "ESTAT", "isoc_ci_in_h", "A.PC_HH.TOTAL.DE+EL+EU27_2020+UK+XK",
             "--years", "2019:2023", "--store", str(db), "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert route.call_count == 1 and names.call_count == 1
    report = json.loads(result.output)
    assert report["inserted"] == 8
    assert [u["code"] for u in report["unknown_codes"]] == ["EU27_2020"]
    with Store.open(db, read_only=True) as s:
        obs = s.observations(economies="GRC").to_pandas()
        assert list(obs.indicator.unique()) == ["ESTAT.isoc_ci_in_h.PC_HH.TOTAL"]
        assert obs.set_index("year").loc[2023, "flag"] == "P"
        assert s.indicator("ESTAT.isoc_ci_in_h.PC_HH.TOTAL")["unit"] == "Percentage of households"


def test_update_sdmx_no_structure(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    body = (RECORDED / "sdmx" / "estat_isoc_ci_in_h.xml").read_bytes()
    with respx.mock() as router:
        route = router.get(url__startswith="https://ec.europa.eu/eurostat/api/dissemination").mock(
            return_value=httpx.Response(200, content=body)
        )
        result = runner.invoke(
            app,
            ["update", "sdmx", "ESTAT", "isoc_ci_in_h", "A.PC_HH.TOTAL.DE", "--no-structure",
             "--store", str(db), "--json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert route.call_count == 1  # the data only
    with Store.open(db, read_only=True) as s:
        assert (
            s.indicator("ESTAT.isoc_ci_in_h.PC_HH.TOTAL")["name"]
            == "ESTAT isoc_ci_in_h: PC_HH.TOTAL"
        )


def test_update_sdmx_unknown_agency(tmp_path: Path) -> None:
    result = runner.invoke(app, ["update", "sdmx", "NOPE", "flow", "--store", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError)


def test_year_range() -> None:
    assert year_range("2015:2023") == (2015, 2023)
    assert year_range("2020") == (2020, 2020)
    assert year_range("2015,2018") == (2015, 2018)
    assert year_range(":2000") == (1960, 2000)
    assert year_range(None) is None
    with pytest.raises(ConfigError):
        year_range("2023:2015")


def test_help_documents_both_commands() -> None:
    result = runner.invoke(app, ["update", "--help"])
    assert result.exit_code == 0
    assert "worldbank" in result.output and "sdmx" in result.output
