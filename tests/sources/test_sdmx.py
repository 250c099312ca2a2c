"""SDMX connector against recorded SDMX-ML / SDMX-JSON bodies (never a live agency)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from aibridge.errors import ConfigError, SourceFormatError, SourceUnavailable
from aibridge.sources.sdmx import (
    SdmxClient,
    SdmxStructure,
    known_agencies,
    map_areas,
    structure_from_json,
    structure_from_message,
)

RECORDED = Path(__file__).parent / "recorded" / "sdmx"


def replay(
    name: str, calls: list[httpx.Request], structure: str | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """Answer data calls with ``name`` and structure (``/dataflow/``) calls with ``structure``."""
    body = (RECORDED / name).read_bytes()
    structure_body = (RECORDED / structure).read_bytes() if structure else None

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if "/dataflow/" in request.url.path:
            if structure_body is None:
                return httpx.Response(404, content=b"no structure recorded")
            return httpx.Response(200, content=structure_body)
        return httpx.Response(200, content=body)

    return handler


def client(agency: str, handler, tmp_path: Path, **kw) -> SdmxClient:
    return SdmxClient(
        agency,
        transport=httpx.MockTransport(handler),
        cache_dir=tmp_path / "cache",
        sleep=lambda s: None,
        **kw,
    )


def table(batch) -> dict[tuple[str, str, int], tuple[float, str | None]]:
    return {
        (r["economy"], r["indicator"], r["year"]): (r["value"], r["flag"])
        for r in batch.observations.to_pylist()
    }


ESTAT_STRUCTURE = "estat_isoc_ci_in_h_structure.xml"


def test_eurostat_structure_specific(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("ESTAT", replay("estat_isoc_ci_in_h.xml", calls, ESTAT_STRUCTURE), tmp_path)
    batch = sdmx.fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE+EL+EU27_2020+UK+XK", years=(2019, 2023))
    url = calls[0].url
    structure_url = calls[1].url
    assert structure_url.path.endswith("/dataflow/ESTAT/isoc_ci_in_h/latest")
    assert structure_url.params["references"] == "descendants"  # sdmx1's Eurostat default
    assert url.host == "ec.europa.eu"
    assert url.path.endswith("/data/isoc_ci_in_h/A.PC_HH.TOTAL.DE+EL+EU27_2020+UK+XK")
    assert url.params["startPeriod"] == "2019" and url.params["endPeriod"] == "2023"
    code = "ESTAT.isoc_ci_in_h.PC_HH.TOTAL"
    assert table(batch) == {
        ("DEU", code, 2021): (92.08, None),
        ("DEU", code, 2022): (91.47, None),
        ("DEU", code, 2023): (93.05, None),  # b = break in series: no store flag
        ("GRC", code, 2021): (84.63, None),  # Eurostat EL
        ("GRC", code, 2022): (85.48, None),
        ("GRC", code, 2023): (86.59, "P"),  # p = provisional
        ("GBR", code, 2019): (96.04, None),  # Eurostat UK
        ("XKX", code, 2023): (95.2, None),  # Eurostat XK
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("EU27_2020", 3)]
    assert "'European Union - 27 countries (from 2020)' (not an economy)" in (
        batch.unknown_codes[0].where
    )
    assert batch.origin.vintage == "2024-06-03"  # message prepared date
    assert batch.origin.source_id == "sdmx-estat"
    assert batch.origin.uri == str(url)
    import hashlib

    body = (RECORDED / "estat_isoc_ci_in_h.xml").read_bytes()
    assert batch.origin.sha256 == hashlib.sha256(body).hexdigest()
    [meta] = batch.indicators.to_pylist()
    assert meta["code"] == code
    assert meta["name"] == "Level of internet access - households: Percentage of households, Total"
    assert meta["unit"] == "Percentage of households"  # Eurostat's unit dimension
    assert meta["description"] == (
        "Level of internet access - households (SDMX dataflow isoc_ci_in_h from ESTAT). "
        "Unit of measure = Percentage of households [PC_HH]; Type of household = Total [TOTAL]"
    )
    assert batch.origin.title == "ESTAT isoc_ci_in_h (Level of internet access - households)"


def test_oecd_sdmx_json(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("OECD", replay("oecd_msti_gerd.json", calls), tmp_path)
    batch = sdmx.fetch("OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3", "KOR+DEU+ZAF+OECD.G.PT_B1GQ")
    assert calls[0].url.host == "sdmx.oecd.org"
    code = "OECD.DF_MSTI.G.PT_B1GQ"
    assert table(batch) == {
        ("KOR", code, 2021): (4.93, None),
        ("KOR", code, 2022): (4.96, None),
        ("DEU", code, 2021): (3.13, None),
        ("DEU", code, 2022): (3.13, "E"),
        ("ZAF", code, 2022): (1.46, "E"),
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("OECD", 2)]
    assert batch.origin.vintage == "2024-05-02"
    assert len(calls) == 1  # SDMX-JSON names its codes itself: no structure call
    [meta] = batch.indicators.to_pylist()
    assert meta["name"] == (
        "Main Science and Technology Indicators: Gross domestic expenditure on R&D (GERD), "
        "Percentage of GDP"
    )
    assert meta["unit"] == "Percentage of GDP"  # UNIT_MEASURE dimension


def test_ilo_generic_data(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("ILO", replay("ilo_generic.xml", calls), tmp_path)
    batch = sdmx.fetch(
        "DF_EAP_DWAP_SEX_AGE_RT", "KEN+X11.A..SEX_F+SEX_M.AGE_YTHADULT_YGE15", structure=False
    )
    assert len(calls) == 1  # structure=False: no structure call
    assert "structurespecificdata" in calls[0].headers["accept"]  # sdmx1's ILO quirk kept
    prefix = "ILO.DF_EAP_DWAP_SEX_AGE_RT.EAP_DWAP_RT"
    assert table(batch) == {
        ("KEN", f"{prefix}.SEX_F.AGE_YTHADULT_YGE15", 2019): (71.2, "E"),
        ("KEN", f"{prefix}.SEX_F.AGE_YTHADULT_YGE15", 2020): (69.9, "E"),
        ("KEN", f"{prefix}.SEX_M.AGE_YTHADULT_YGE15", 2019): (75.6, None),  # NaN 2020 dropped
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("X11", 1)]
    names = batch.indicators.column("name").to_pylist()  # without structure: the codes
    assert names[0] == "ILO DF_EAP_DWAP_SEX_AGE_RT: EAP_DWAP_RT.SEX_F.AGE_YTHADULT_YGE15"


def test_sub_annual_data_refused(tmp_path: Path) -> None:
    sdmx = client("ESTAT", replay("estat_quarterly.xml", []), tmp_path)
    with pytest.raises(SourceFormatError, match="'2023-Q1' is not a year") as info:
        sdmx.fetch("namq_10_gdp", "Q.CP_MEUR.B1GQ.DE", structure=False)
    assert info.value.url and "namq_10_gdp" in info.value.url


def test_cache_hit_avoids_second_call(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    handler = replay("estat_isoc_ci_in_h.xml", calls, ESTAT_STRUCTURE)
    first = client("ESTAT", handler, tmp_path).fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE")
    second = client("ESTAT", handler, tmp_path).fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE")
    assert len(calls) == 2  # data and structure, once each
    assert first.observations.equals(second.observations)
    assert first.indicators.equals(second.indicators)


def test_retry_after_503(tmp_path: Path) -> None:
    body = (RECORDED / "oecd_msti_gerd.json").read_bytes()
    answers = iter([httpx.Response(503), httpx.Response(200, content=body)])
    sdmx = client("OECD", lambda r: next(answers), tmp_path)
    batch = sdmx.fetch("OECD.STI.STP,DSD_MSTI@DF_MSTI,1.3", "KOR.G.PT_B1GQ")
    assert batch.observations.num_rows == 5


def test_timeout_is_unavailable(tmp_path: Path) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    sdmx = client("IMF_DATA", slow, tmp_path, retries=1)
    with pytest.raises(SourceUnavailable, match="timed out"):
        sdmx.fetch("CPI", "KEN.CPI._T.IX.A")


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Service temporarily unavailable</body></html>", b"{not json", b"<a><b></a>"],
)
def test_malformed_body_is_format_error_and_not_cached(tmp_path: Path, body: bytes) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=body)

    sdmx = client("UNICEF", handler, tmp_path)
    for _ in range(2):
        with pytest.raises(SourceFormatError, match="SDMX"):
            sdmx.fetch("GLOBAL_DATAFLOW", "KEN.DM_POP_TOT.")
    assert len(calls) == 2


def test_unknown_agency_and_bad_years(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown SDMX agency 'NOPE'"):
        SdmxClient("NOPE", use_cache=False)
    assert {"OECD", "ESTAT", "ILO", "IMF_DATA", "UNICEF"} <= set(known_agencies())
    with pytest.raises(ValueError, match="first <= last"):
        SdmxClient("oecd", use_cache=False).data_url("X", years=(2020, 2010))


UNSD_FLOW = "IAEG-SDGs,DF_SDG_GLH,1.0"


def unsd(tmp_path: Path, calls: list[httpx.Request], **kw):
    sdmx = client("UNSD", replay("unsd_sdg_data.xml", calls, "unsd_sdg_structure.xml"), tmp_path)
    return sdmx.fetch(UNSD_FLOW, "A.IT_USE_II99+IT_NET_BBN.404+834+412+1+202._T", **kw)


def test_m49_areas_names_units_from_the_codelists(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    batch = unsd(tmp_path, calls)
    assert str(calls[1].url) == (
        "http://data.un.org/WS/rest/dataflow/IAEG-SDGs/DF_SDG_GLH/1.0?references=all"
    )
    use, bbn = "UNSD.DF_SDG_GLH.IT_USE_II99._T", "UNSD.DF_SDG_GLH.IT_NET_BBN._T"
    assert table(batch) == {
        ("KEN", use, 2021): (29.5, None),  # M49 404
        ("KEN", use, 2022): (32.7, "E"),
        ("TZA", use, 2022): (31.6, None),  # M49 834
        ("XKX", use, 2022): (97.5, None),  # 412: not in ISO 3166; its name 'Kosovo' is
        ("WLD", use, 2022): (66.3, "E"),  # 1: 'World'
        ("KEN", bbn, 2022): (155.4, None),
    }
    # the UN's Sub-Saharan Africa is not the World Bank's (SSF): reported, not merged
    [unknown] = batch.unknown_codes
    assert (unknown.code, unknown.rows) == ("202", 1)
    assert "REF_AREA 202: codelist name 'Sub-Saharan Africa' (not an economy)" in unknown.where
    assert batch.aggregates == {"WLD"}
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert meta[use]["name"] == (
        "SDG Global Database: Proportion of individuals using the Internet, Both sexes"
    )
    assert meta[use]["unit"] == "Percentage"  # UNIT_MEASURE series attribute, UNIT_MULT 0
    assert meta[bbn]["unit"] == "Number (Thousands)"  # UNIT_MULT 3
    assert meta[bbn]["description"] == (
        "SDG Global Database (SDMX dataflow IAEG-SDGs,DF_SDG_GLH,1.0 from UNSD). "
        "Series = Fixed Internet broadband subscriptions, by speed [IT_NET_BBN]; "
        "Sex = Both sexes [_T]"
    )


def test_without_structure_attributes_stay_in_the_code(tmp_path: Path) -> None:
    """Structure-specific data read without the DSD: sdmx1 cannot tell series attributes
    from dimensions, and the codelist names are unknown (documented in docs/sources.md)."""
    calls: list[httpx.Request] = []
    batch = unsd(tmp_path, calls, structure=False)
    assert len(calls) == 1
    codes = set(batch.indicators.column("code").to_pylist())
    assert codes == {
        "UNSD.DF_SDG_GLH.IT_USE_II99._T.PT.0",
        "UNSD.DF_SDG_GLH.IT_NET_BBN._T.NUMBER.3",
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("1", 1), ("202", 1), ("412", 1)]


def test_structure_names_reach_the_store(tmp_path: Path) -> None:
    from aibridge.store import Store

    store = Store(":memory:")
    first = store.ingest(unsd(tmp_path, []))
    assert first.inserted == 6
    row = store.indicator("UNSD.DF_SDG_GLH.IT_NET_BBN._T")
    assert row["unit"] == "Number (Thousands)"
    assert row["name"].startswith("SDG Global Database: Fixed Internet broadband")
    assert [u.code for u in first.unknown_codes] == ["202"]
    assert store.ingest(unsd(tmp_path, [])).written == 0  # re-import (cached) is a no-op


def test_code_and_name_disagreeing_is_reported_not_guessed() -> None:
    # a publisher numbering its areas its own way: "116" is Cambodia in UN M49
    mapping, notes = map_areas(["116", "404", "X01"], {"116": "Kenya", "404": "Kenya"})
    assert mapping == {"116": None, "404": "KEN", "X01": None}
    assert notes["116"] == "codelist name 'Kenya' is KEN but the code reads as KHM; not loaded"
    assert notes["X01"] == "no codelist name"
    # names map where the code does not (Eurostat spells Greece EL either way)
    assert map_areas(["EL"], {"EL": "Greece"}, agency="ESTAT")[0] == {"EL": "GRC"}
    # publishers' long names agree with their codes: no false conflicts
    names = {
        "HK": "China, P.R.: Hong Kong",  # IMF
        "CN": "China, P.R.: Mainland",
        "DE": "Germany (until 1990 former territory of the FRG)",  # Eurostat
        "XK": "Kosovo (under United Nations Security Council Resolution 1244/99)",
        "COD": "Congo, Democratic Republic of the",
        "344": "China, Hong Kong Special Administrative Region",  # UN M49
        "U2": "Euro area",  # an aggregate by name: not merged with the World Bank's EMU
    }
    assert map_areas(list(names), names, agency="ESTAT")[0] == {
        "HK": "HKG",
        "CN": "CHN",
        "DE": "DEU",
        "XK": "XKX",
        "COD": "COD",
        "344": "HKG",
        "U2": None,
    }


def test_structure_unavailable_names_the_way_out(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("ESTAT", replay("estat_isoc_ci_in_h.xml", calls), tmp_path, retries=1)
    with pytest.raises(SourceUnavailable, match="structure=False"):
        sdmx.fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE")


def test_unreadable_structure_is_format_error_and_not_cached(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    # the data message where a structure message should be
    handler = replay("estat_isoc_ci_in_h.xml", calls, "estat_isoc_ci_in_h.xml")
    sdmx = client("ESTAT", handler, tmp_path)
    for _ in range(2):
        with pytest.raises(SourceFormatError, match="expected an SDMX structure message"):
            sdmx.fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE")
    assert sum("/dataflow/" in c.url.path for c in calls) == 2  # not served from the cache


def test_structure_from_message_reads_codelists() -> None:
    import sdmx as sdmx1

    message = sdmx1.read_sdmx(RECORDED / "unsd_sdg_structure.xml")
    names = structure_from_message(message, UNSD_FLOW)
    assert names.flow_name == "SDG Global Database"
    assert names.dimensions == ("FREQ", "SERIES", "REF_AREA", "SEX")
    assert names.codes["REF_AREA"]["412"] == "Kosovo"
    assert names.codes["UNIT_MULT"] == {"0": "Units", "3": "Thousands", "6": "Millions"}
    assert names.concepts["SEX"] == "Sex"


def test_agency_without_structure_query_keeps_codes(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("WB_WDI", replay("estat_isoc_ci_in_h.xml", calls), tmp_path)
    batch = sdmx.fetch("WDI", "A.PC_HH.TOTAL.DE", geo_dim="geo")
    assert len(calls) == 1  # sdmx1 knows WB_WDI has no dataflow endpoint: no second call
    assert batch.indicators.column("name").to_pylist() == ["WB_WDI WDI: PC_HH.TOTAL"]


def test_structure_from_json_reads_both_sdmx_json_versions() -> None:
    v1 = structure_from_json((RECORDED / "oecd_msti_gerd.json").read_bytes())
    assert v1.flow_name == "Main Science and Technology Indicators"
    assert v1.codes["UNIT_MEASURE"] == {"PT_B1GQ": "Percentage of GDP"}
    assert v1.concepts["REF_AREA"] == "Reference area"
    # SDMX-JSON 2.0 (SDMX 3.0): data.structures[], names localised
    v2 = {
        "meta": {"id": "x", "prepared": "2024-01-01T00:00:00Z", "sender": {"id": "OECD"}},
        "data": {
            "structures": [
                {
                    "name": {"en": "Flow name"},
                    "dimensions": {
                        "series": [
                            {"id": "MEASURE", "names": {"en": "Measure"},
                             "values": [{"id": "G", "name": {"en": "GERD"}}]}
                        ]
                    },
                    "attributes": {"series": [{"id": "UNIT_MULT", "name": "Unit multiplier",
                                               "values": [{"id": "6", "name": "Millions"}]}]},
                }
            ]
        },
    }  # fmt: skip
    names = structure_from_json(json.dumps(v2).encode())
    assert names.flow_name == "Flow name"
    assert names.codes == {"MEASURE": {"G": "GERD"}, "UNIT_MULT": {"6": "Millions"}}
    assert names.concepts == {"MEASURE": "Measure", "UNIT_MULT": "Unit multiplier"}
    assert structure_from_json(b"[]") == SdmxStructure()
