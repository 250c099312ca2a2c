"""Property: a DDF import keeps every non-empty value (loaded or reported), whatever the layout."""

from __future__ import annotations

import tarfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aibridge.sources.ddf import DdfSource

GEOS = {"ken": "KEN", "nga": "NGA", "ind": "IND", "bra": "BRA", "xyz": None}


@st.composite
def packages(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, str | None, int, float | None]]]:
    dims = draw(st.lists(st.sampled_from(["sex", "age", "skill"]), max_size=2, unique=True))
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(sorted(GEOS)),
                st.sampled_from(["a", "b"]) if dims else st.none(),
                st.integers(1990, 2030),
                st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
            ),
            max_size=40,
            unique_by=lambda r: (r[0], r[1], r[2]),
        )
    )
    return dims, rows


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pkg=packages(), as_tar=st.booleans())
def test_every_value_loaded_or_reported(tmp_path_factory, pkg, as_tar: bool) -> None:
    dims, rows = pkg
    folder = tmp_path_factory.mktemp("ddf")
    keys = ["geo", *dims, "time"]
    lines = [",".join([*keys, "x"])]
    for geo, dim_value, year, value in rows:
        cells = [
            geo,
            *([dim_value or "a"] * len(dims)),
            str(year),
            "" if value is None else repr(value),
        ]
        lines.append(",".join(cells))
    (folder / f"ddf--datapoints--x--by--{'--'.join(keys)}.csv").write_text("\n".join(lines) + "\n")
    entity = ["country,name,iso3166_1_alpha3,is--country"]
    entity += [f"{g},{g.upper()},{iso or ''},TRUE" for g, iso in GEOS.items()]
    (folder / "ddf--entities--geo--country.csv").write_text("\n".join(entity) + "\n")
    path: Path = folder
    if as_tar:
        path = folder.parent / f"{folder.name}.tar.gz"
        with tarfile.open(path, "w:gz") as tar:
            for file in folder.iterdir():
                tar.add(file, arcname=f"pkg/{file.name}")
    if not rows:
        return  # a package without datapoints is refused (tested elsewhere)
    batch = next(DdfSource(prefix="P.").read(path))
    non_empty = [r for r in rows if r[3] is not None]
    loaded = [r for r in non_empty if GEOS[r[0]]]
    assert batch.observations.num_rows == len(loaded)
    assert sum(u.rows for u in batch.unknown_codes) == len(non_empty) - len(loaded)
    got = {
        (e, i, y): v
        for e, i, y, v in zip(
            *(
                batch.observations.column(c).to_pylist()
                for c in ("economy", "indicator", "year", "value")
            ),
            strict=True,
        )
    }
    for geo, dim_value, year, value in loaded:
        code = "P.x" + "".join(f".{d}={dim_value or 'a'}" for d in dims)
        assert got[(GEOS[geo], code, year)] == value
