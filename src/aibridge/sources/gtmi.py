"""World Bank GovTech Maturity Index (GTMI) 2022: survey sub-area scores (derived).

Reads ``gtmi_2022_metadata.csv`` (long: ``cc_iso3c, ref_year, variable, value``), 29
``gtmi_*`` sub-areas per economy. Codes are ``GTMI.<variable>`` (``GTMI.gtmi_backend``,
``GTMI.gtmi_digitalskills`` ...). Values are point sums of the GovTech survey questions in each
sub-area (maxima 1 to 11): these are *not* the official GTMI score nor its CGSI / PSDI / DCEI /
GTEI component indices (the Blavatnik Index of Public Administration re-processing of the
World Bank's question-level GovTech dataset; see the folder README).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from aibridge.errors import SourceFormatError, SourceUnavailable
from aibridge.sources._base import Batch
from aibridge.sources._tabular import Release, arrow_observations, file_batch, map_economy_column

__all__ = ["GtmiSource"]

_COLUMNS = ("cc_iso3c", "ref_year", "variable", "value")


class GtmiSource:
    """Read the GTMI 2022 sub-area file (or its folder) into one batch."""

    source_id = "wb-gtmi-2022"
    FILE = "gtmi_2022_metadata.csv"

    def __init__(self, *, vintage: str = "2022-12-01") -> None:
        self.vintage = vintage  # GTMI 2022 publication date (SOURCE_GTMI_2022.md)

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        if path is None:
            raise SourceUnavailable("wb-gtmi-2022: pass the GTMI folder", source_id=self.source_id)
        file = Path(path)
        if file.is_dir():
            file = file / self.FILE
        if not file.is_file():
            raise SourceUnavailable(
                f"{file} not found; pass the folder holding {self.FILE}", source_id=self.source_id
            )
        yield self._read(file)

    def _read(self, file: Path) -> Batch:
        try:
            table = pacsv.read_csv(
                file,
                convert_options=pacsv.ConvertOptions(
                    column_types={
                        "cc_iso3c": pa.string(),
                        "ref_year": pa.int16(),
                        "variable": pa.string(),
                        "value": pa.float64(),
                    },
                    null_values=["", "NA"],
                    strings_can_be_null=True,
                ),
            )
        except pa.ArrowInvalid as exc:
            raise SourceFormatError(
                f"cannot read ({exc}); expected columns {list(_COLUMNS)} with numeric "
                "ref_year and value",
                path=str(file),
            ) from exc
        missing = [c for c in _COLUMNS if c not in table.column_names]
        if missing:
            raise SourceFormatError(
                f"lacks column(s) {missing}; expected {list(_COLUMNS)}", path=str(file), line=1
            )
        economies = map_economy_column(table.column("cc_iso3c"), file=file, column="cc_iso3c")
        mask = pc.and_(
            pc.and_(economies.keep, pc.is_valid(table.column("value"))),
            pc.is_valid(table.column("ref_year")),
        )
        variables = table.column("variable")
        observations = arrow_observations(
            mask,
            economy=economies.codes,
            indicator=pc.binary_join_element_wise(pa.scalar("GTMI."), variables, ""),
            year=table.column("ref_year"),
            value=table.column("value"),
        )
        maxima = observations.group_by("indicator").aggregate([("value", "max")])
        top = dict(
            zip(
                maxima.column("indicator").to_pylist(),
                maxima.column("value_max").to_pylist(),
                strict=True,
            )
        )
        meta = []
        for variable in sorted(set(pc.unique(variables).drop_null().to_pylist())):
            code = f"GTMI.{variable}"
            label = variable.removeprefix("gtmi_").replace("_", " ")
            meta.append(
                {
                    "code": code,
                    "name": f"GovTech sub-area score: {label}",
                    "unit": "points (sum of survey question scores)",
                    "description": (
                        f"GovTech sub-area {label!r}: sum of the World Bank GovTech "
                        f"2022 survey question scores in this sub-area (highest observed "
                        f"{top.get(code, 0):g}); derived by the Blavatnik Index of Public "
                        "Administration, not an official GTMI component index."
                    ),
                    "topic": "Digital government",
                    "direction": 1,
                    "licence": "CC BY 4.0",
                    "source": "World Bank, GovTech Dataset 2022 (via Blavatnik Index of "
                    "Public Administration source data)",
                }
            )
        return file_batch(
            file,
            Release(self.source_id, self.vintage, "The World Bank", "CC BY 4.0"),
            title="GovTech Maturity Index 2022, survey sub-area scores",
            observations=observations,
            indicators=meta,
            economies=economies,
        )
