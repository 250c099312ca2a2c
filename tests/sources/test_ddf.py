"""DDF importer: a tiny hand-made package (folder and .tar.gz) and the real shared data."""

from __future__ import annotations

import csv
import io
import shutil
import tarfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import OBSERVATION_SCHEMA, Batch
from aibridge.sources.ddf import (
    DdfSource,
    GapminderSystemaGlobalisSource,
    SdgIctSource,
    read_wdi_map,
)

TINY = Path(__file__).parent / "fixtures" / "ddf-tiny"


def rows(batch: Batch) -> dict[tuple[str, str, int], float]:
    obs = batch.observations
    return {
        (e, i, y): v
        for e, i, y, v in zip(
            obs.column("economy").to_pylist(),
            obs.column("indicator").to_pylist(),
            obs.column("year").to_pylist(),
            obs.column("value").to_pylist(),
            strict=True,
        )
    }


def read_one(source: DdfSource, path: Path) -> Batch:
    batches = list(source.read(path))
    assert len(batches) == 1
    return batches[0]


def make_tar(folder: Path, dest: Path, prefix: str = "pkg/") -> Path:
    with tarfile.open(dest, "w:gz") as tar:
        for file in sorted(folder.iterdir()):
            tar.add(file, arcname=prefix + file.name)
    return dest


def test_tiny_package_folder() -> None:
    source = DdfSource(prefix="T.", aggregate_prefix="R_", code_map={"internet": "IT.NET.USER.ZS"})
    batch = read_one(source, TINY)
    assert batch.observations.schema.equals(OBSERVATION_SCHEMA)
    assert rows(batch) == {
        ("KEN", "IT.NET.USER.ZS", 2021): 28.8,
        ("KEN", "IT.NET.USER.ZS", 2022): 40.8,
        ("NGA", "IT.NET.USER.ZS", 2022): 45.5,
        ("NAM", "IT.NET.USER.ZS", 2022): 53.0,  # Namibia's "NA" is not a missing value
        ("R_africa", "IT.NET.USER.ZS", 2022): 36.1,
        ("WLD", "IT.NET.USER.ZS", 2022): 66.3,
        ("KEN", "T.pop_share.sex=female", 2022): 50.3,
        ("KEN", "T.pop_share.sex=male", 2022): 49.7,
        ("NGA", "T.pop_share.sex=female", 2022): 49.5,
        ("NGA", "T.pop_share.sex=male", 2022): 50.5,
    }
    assert batch.aggregates == frozenset({"R_africa", "WLD"})
    updates = {r["iso3"]: r for r in batch.economy_updates.to_pylist()}  # aggregates' names
    assert {k: (v["name"], v["is_aggregate"]) for k, v in updates.items()} == {
        "R_africa": ("Africa", True),
        "WLD": ("World", True),
    }
    # the economy without an ISO code is reported with its file, never dropped silently
    assert [(u.code, u.rows) for u in batch.unknown_codes] == [("abkh", 1)]
    assert batch.unknown_codes[0].where.endswith("ddf--datapoints--internet--by--geo--time.csv")
    assert source.skipped == ["ddf--datapoints--label--by--geo--time.csv:label (string)"]
    meta = {r["code"]: r for r in batch.indicators.to_pylist()}
    assert set(meta) == {"IT.NET.USER.ZS", "T.pop_share.sex=female", "T.pop_share.sex=male"}
    assert meta["IT.NET.USER.ZS"]["name"] == "Internet users"
    assert meta["IT.NET.USER.ZS"]["unit"] == "percent"
    assert meta["IT.NET.USER.ZS"]["topic"] == "ict"
    assert meta["IT.NET.USER.ZS"]["source"].startswith("World Development Indicators")
    assert meta["T.pop_share.sex=female"]["name"] == "Population share (sex: female)"
    origin = batch.origin
    assert origin.vintage == "2024-05-01"  # datapackage.json version
    assert origin.licence == "Creative Commons Attribution 4.0"
    assert origin.title == "Tiny DDF test package"
    assert origin.uri == str(TINY.resolve())


def test_tar_gz_equals_folder(tmp_path: Path) -> None:
    archive = make_tar(TINY, tmp_path / "tiny.tar.gz")
    from_folder = read_one(DdfSource(prefix="T."), TINY)
    from_tar = read_one(DdfSource(prefix="T."), archive)
    assert rows(from_tar) == rows(from_folder)
    assert from_tar.indicators.equals(from_folder.indicators)
    from aibridge.sources._base import sha256_file

    assert from_tar.origin.sha256 == sha256_file(archive)


def test_folder_origin_hash_changes_with_content(tmp_path: Path) -> None:
    copy = tmp_path / "pkg"
    shutil.copytree(TINY, copy)
    before = read_one(DdfSource(), copy).origin.sha256
    path = copy / "ddf--datapoints--internet--by--geo--time.csv"
    path.write_text(path.read_text().replace("28.8", "28.9"))
    after = read_one(DdfSource(), copy)
    assert after.origin.sha256 != before
    assert rows(after)[("KEN", "DDF.internet", 2021)] == 28.9


def test_upper_codes_and_attribute_keys(tmp_path: Path) -> None:
    pkg = tmp_path / "sdg"
    pkg.mkdir()
    (pkg / "ddf--entities--geo_area.csv").write_text("geo_area,name\n1,World\n404,Kenya\n202,SSA\n")
    (pkg / "ddf--datapoints--it_mob_own--by--geo_area--nature--sex--units--year.csv").write_text(
        "geo_area,nature,sex,units,year,it_mob_own\n"
        "404,e,female,percent,2019,80.5\n"
        "404,c,male,percent,2019,84.0\n"
        "202,notspec,female,percent,2019,40.0\n"
        "1,notspec,female,percent,2019,60.0\n"
    )
    source = DdfSource(prefix="SDG.", upper_codes=True, aggregate_prefix="M49_")
    batch = read_one(source, pkg)
    assert rows(batch) == {
        ("KEN", "SDG.IT_MOB_OWN.sex=female", 2019): 80.5,
        ("KEN", "SDG.IT_MOB_OWN.sex=male", 2019): 84.0,
        ("M49_202", "SDG.IT_MOB_OWN.sex=female", 2019): 40.0,
        ("WLD", "SDG.IT_MOB_OWN.sex=female", 2019): 60.0,
    }
    flags = dict(
        zip(
            batch.observations.column("value").to_pylist(),
            batch.observations.column("flag").to_pylist(),
            strict=True,
        )
    )
    assert flags[80.5] == "E" and flags[84.0] is None  # nature e(stimated) -> E flag
    units = set(batch.indicators.column("unit").to_pylist())
    assert units == {"percent"}


def test_varying_units_become_a_dimension(tmp_path: Path) -> None:
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "ddf--datapoints--x--by--geo--units--time.csv").write_text(
        "geo,units,time,x\nken,percent,2020,1\nken,number,2020,100\n"
    )
    batch = read_one(DdfSource(prefix="P."), pkg)
    assert set(batch.observations.column("indicator").to_pylist()) == {
        "P.x.units=percent",
        "P.x.units=number",
    }


def test_non_numeric_measure_names_file_line_and_column(tmp_path: Path) -> None:
    pkg = tmp_path / "bad"
    shutil.copytree(TINY, pkg)
    path = pkg / "ddf--datapoints--internet--by--geo--time.csv"
    path.write_text(path.read_text().replace("45.5", "4x5"))
    with pytest.raises(SourceFormatError) as info:
        read_one(DdfSource(), pkg)
    err = info.value
    assert err.path == "ddf--datapoints--internet--by--geo--time.csv"
    assert err.line == 4 and err.column == "internet"
    assert "'4x5'" in str(err)


def test_sub_annual_time_is_refused(tmp_path: Path) -> None:
    pkg = tmp_path / "q"
    pkg.mkdir()
    (pkg / "ddf--datapoints--x--by--geo--time.csv").write_text("geo,time,x\nken,2020q1,1\n")
    with pytest.raises(SourceFormatError, match="'2020q1' is not a year"):
        read_one(DdfSource(), pkg)


def test_header_must_match_file_name(tmp_path: Path) -> None:
    pkg = tmp_path / "h"
    pkg.mkdir()
    (pkg / "ddf--datapoints--x--by--geo--time.csv").write_text("country,year,x\nken,2020,1\n")
    with pytest.raises(SourceFormatError, match="not columns of the header"):
        read_one(DdfSource(), pkg)


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    pkg = tmp_path / "d"
    pkg.mkdir()
    (pkg / "ddf--datapoints--x--by--geo--time.csv").write_text(
        "geo,time,x\nken,2020,1\nKEN,2020,2\n"
    )
    with pytest.raises(SourceFormatError, match="duplicate"):
        read_one(DdfSource(), pkg)


def test_missing_and_broken_inputs(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailable):
        read_one(DdfSource(), tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceFormatError, match="no ddf--datapoints"):
        read_one(DdfSource(), tmp_path / "empty")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(make_tar(TINY, tmp_path / "ok.tar.gz").read_bytes()[:300])
    with pytest.raises(SourceFormatError, match="archive"):
        read_one(DdfSource(), broken)


def test_wdi_map_inversion(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"it_net_user_zs": "internet_users", "se_adt_1524_lt_fm_zs": "lit"}')
    assert read_wdi_map(path) == {"internet_users": "IT.NET.USER.ZS", "lit": "SE.ADT.1524.LT.FM.ZS"}


# -- real data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gapminder(shared_data: Path) -> tuple[GapminderSystemaGlobalisSource, Batch]:
    source = GapminderSystemaGlobalisSource()
    return source, read_one(source, shared_data / "gapminder-systema-globalis")


@pytest.mark.shared_data
@pytest.mark.slow
def test_gapminder_complete(shared_data: Path, gapminder) -> None:
    source, batch = gapminder
    folder = shared_data / "gapminder-systema-globalis"
    # independent count of every non-empty value in every datapoints file of the archive
    expected = 0
    files = 0
    with tarfile.open(folder / "systema_globalis_ddf.tar.gz", "r|gz") as tar:
        for info in tar:
            if "ddf--datapoints--" in info.name and "income_mountains" not in info.name:
                fh = tar.extractfile(info)
                assert fh is not None
                reader = csv.reader(io.StringIO(fh.read().decode("utf-8")))
                next(reader)
                expected += sum(1 for row in reader if row[-1] != "")
                files += 1
    assert files == 478
    assert source.skipped == [
        "countries-etc-datapoints/ddf--datapoints--income_mountains--by--geo--time.csv:"
        "income_mountains (string)"
    ]
    unknown_rows = sum(u.rows for u in batch.unknown_codes)
    assert batch.observations.num_rows + unknown_rows == expected
    # historical / non-ISO entities only (USSR, Yugoslavia, Abkhazia ...), about 0.6 % of rows
    assert {u.code for u in batch.unknown_codes} <= {
        "abkh", "akr_a_dhe", "ant", "cheslo", "cyp_nor", "deu_east", "deu_west", "eri_a_eth",
        "fra_antarc", "fra_clipperton", "korea_union", "ngokar", "pse_gaza", "pse_west_bank",
        "scg", "scg_ex_kos", "som_somland", "sosset", "stmar", "transn", "ussr", "yem_north",
        "yem_south", "yug", "chanisl",
    }  # fmt: skip
    assert unknown_rows < 0.01 * expected
    codes = set(batch.indicators.column("code").to_pylist())
    assert len(codes) == 478
    wdi = read_wdi_map(folder / "indicators_wdi_to_sg.json")
    assert {"IT.NET.USER.ZS", "IT.NET.BBND.P2", "NY.GDP.PCAP.KD", "TX.VAL.TECH.MF.ZS"} <= codes
    # 89 mappings; 3 of them (energy_use_total, rural/urban poverty) have no datapoints file
    assert {c for c in codes if not c.startswith("SG.")} == set(wdi.values()) - {
        "EG.USE.COMM.GD.PD.KD",
        "SI.POV.RUHC",
        "SI.POV.URHC",
    }
    assert not any(f"SG.{concept}" in codes for concept in wdi)
    assert "SG.literacy_rate_adult_total_percent_of_people_ages_15_and_above" in codes
    assert batch.origin.vintage == "2026-03-01"
    assert batch.origin.licence == "CC BY 4.0"
    # projections (years from the 2026 release on, e.g. population to 2100) carry the E flag
    obs = batch.observations
    future = pc.greater_equal(obs.column("year"), 2026)
    assert pc.all(pc.equal(pc.is_valid(obs.column("flag")), future)).as_py()
    assert pc.sum(future).as_py() > 0


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize(
    ("file", "code"),
    [
        ("internet_users", "IT.NET.USER.ZS"),
        ("patent_applications_total", "SG.patent_applications_total"),
        ("females_aged_15plus_labour_force_participation_rate_percent",
         "SG.females_aged_15plus_labour_force_participation_rate_percent"),
    ],
)  # fmt: skip
def test_gapminder_values_match_subset_files(
    shared_data: Path, gapminder, file: str, code: str
) -> None:
    _, batch = gapminder
    folder = shared_data / "gapminder-systema-globalis"
    with (folder / "ddf--entities--geo--country.csv").open(encoding="utf-8") as fh:
        iso3 = {r["country"]: r["iso3166_1_alpha3"] for r in csv.DictReader(fh)}
    iso3["kos"] = "XKX"  # Kosovo: no ISO code, the World Bank's XKX
    obs = batch.observations.filter(pc.equal(batch.observations.column("indicator"), code))
    got = rows(Batch(origin=batch.origin, observations=obs, indicators=batch.indicators))
    path = folder / "subset" / f"ddf--datapoints--{file}--by--geo--time.csv"
    n = 0
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row[file] == "" or not iso3.get(row["geo"]):
                continue
            key = (iso3[row["geo"]], code, int(row["time"]))
            assert got.pop(key) == float(row[file]), key
            n += 1
    assert n > 1000
    assert not got  # nothing more than the file holds


@pytest.mark.shared_data
def test_sdg_ict_complete(shared_data: Path) -> None:
    folder = shared_data / "sdg-ict-2020"
    batch = read_one(SdgIctSource(), folder)
    expected = 0
    for path in folder.glob("ddf--datapoints--*.csv"):
        with path.open(encoding="utf-8") as fh:
            expected += sum(1 for row in csv.reader(fh) if row[-1] != "") - 1
    assert expected == 23034
    assert batch.observations.num_rows == expected and not batch.unknown_codes
    got = rows(batch)
    # spot values straight from the files (M49 404 = Kenya, 710 = South Africa, 1 = World)
    assert got[("ZAF", "SDG.IT_MOB_2GNTWK", 2001)] == 93.0
    assert got[("WLD", "SDG.IT_MOB_2GNTWK", 2001)] == 56.18748
    assert got[("DZA", "SDG.SE_ADT_ACTS.sex=bothsex.type_of_skill=arsp", 2018)] == 9.40813
    assert got[("AUT", "SDG.SE_GPI_ICTS.type_of_skill=arsp", 2016)] == 0.74419
    assert got[("AFG", "SDG.IT_NET_BBN.type_of_speed=10mbps", 2015)] == 350
    assert "WLD" in batch.aggregates and "M49_202" in batch.aggregates
    names = dict(
        zip(
            batch.economy_updates.column("iso3").to_pylist(),
            batch.economy_updates.column("name").to_pylist(),
            strict=True,
        )
    )
    assert names["M49_202"] == "Sub-Saharan Africa" and len(names) == 31
    assert not any(a.startswith("M49_") is False and a != "WLD" for a in batch.aggregates)
    codes = set(batch.indicators.column("code").to_pylist())
    assert "SDG.IT_MOB_OWN.sex=female" in codes and "SDG.IT_USE_II99" in codes
    assert batch.origin.vintage == "2020-10-19"


def test_observation_types() -> None:
    batch = read_one(DdfSource(), TINY)
    assert batch.observations.column("year").type == pa.int16()
