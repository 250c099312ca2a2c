"""SDMX connector against recorded SDMX-ML / SDMX-JSON bodies (never a live agency)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from aibridge.errors import ConfigError, SourceFormatError, SourceUnavailable
from aibridge.sources.sdmx import SdmxClient, known_agencies

RECORDED = Path(__file__).parent / "recorded" / "sdmx"


def replay(name: str, calls: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    body = (RECORDED / name).read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
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


def test_eurostat_structure_specific(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("ESTAT", replay("estat_isoc_ci_in_h.xml", calls), tmp_path)
    batch = sdmx.fetch("isoc_ci_in_h", "A.PC_HH.TOTAL.DE+EL+EU27_2020+UK+XK", years=(2019, 2023))
    url = calls[0].url
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
    assert batch.origin.vintage == "2024-06-03"  # message prepared date
    assert batch.origin.source_id == "sdmx-estat"
    assert batch.origin.uri == str(url)
    import hashlib

    body = (RECORDED / "estat_isoc_ci_in_h.xml").read_bytes()
    assert batch.origin.sha256 == hashlib.sha256(body).hexdigest()
    assert batch.indicators.column("code").to_pylist() == [code]


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


def test_ilo_generic_data(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    sdmx = client("ILO", replay("ilo_generic.xml", calls), tmp_path)
    batch = sdmx.fetch("DF_EAP_DWAP_SEX_AGE_RT", "KEN+X11.A..SEX_F+SEX_M.AGE_YTHADULT_YGE15")
    assert "structurespecificdata" in calls[0].headers["accept"]  # sdmx1's ILO quirk kept
    prefix = "ILO.DF_EAP_DWAP_SEX_AGE_RT.EAP_DWAP_RT"
    assert table(batch) == {
        ("KEN", f"{prefix}.SEX_F.AGE_YTHADULT_YGE15", 2019): (71.2, "E"),
        ("KEN", f"{prefix}.SEX_F.AGE_YTHADULT_YGE15", 2020): (69.9, "E"),
        ("KEN", f"{prefix}.SEX_M.AGE_YTHADULT_YGE15", 2019): (75.6, None),  # NaN 2020 dropped
    }
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("X11", 1)]


def test_sub_annual_data_refused(tmp_path: Path) -> None:
    sdmx = client("ESTAT", replay("estat_quarterly.xml", []), tmp_path)
    with pytest.raises(SourceFormatError, match="'2023-Q1' is not a year") as info:
        sdmx.fetch("namq_10_gdp", "Q.CP_MEUR.B1GQ.DE")
    assert info.value.url and "namq_10_gdp" in info.value.url


def test_cache_hit_avoids_second_call(tmp_path: Path) -> None:
    calls: list[httpx.Request] = []
    first = client("ESTAT", replay("estat_isoc_ci_in_h.xml", calls), tmp_path).fetch(
        "isoc_ci_in_h", "A.PC_HH.TOTAL.DE"
    )
    second = client("ESTAT", replay("estat_isoc_ci_in_h.xml", calls), tmp_path).fetch(
        "isoc_ci_in_h", "A.PC_HH.TOTAL.DE"
    )
    assert len(calls) == 1
    assert first.observations.equals(second.observations)


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
