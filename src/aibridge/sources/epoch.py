"""Epoch AI "Data on Notable AI Models" -> notable AI models per developer country and year.

One row per model; ``Country (from Organization)`` lists one country per developing
organisation, comma-joined (so a country can repeat). Indicators (year = publication year):

* ``EPOCH.notable_models`` -- distinct notable models with at least one developing
  organisation in the country. **A model whose organisations are in several countries counts
  once for each of those countries** (full counting, as Epoch AI, OWID and the AI Index do),
  so country counts add up to more than the number of models.
* ``EPOCH.frontier_models`` -- the same count restricted to models Epoch flags
  ``Frontier model = True``.

Country-years with no model are absent, not zero (the store keeps what the source states;
a framework may impute zero explicitly). "Multinational" (organisations Epoch does not place
in one country) and rows with no country are not economies: they are reported as unknown
codes with their row counts, never silently dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from aibridge.errors import SourceFormatError
from aibridge.sources._base import Batch, UnknownCode
from aibridge.sources._tabular import (
    EconomyMapper,
    Release,
    file_batch,
    find_file,
    observations,
    read_csv,
    require_columns,
)

__all__ = ["EpochNotableModelsSource", "split_countries"]

SOURCE_ID = "epoch-notable-ai-models"
VINTAGE = "2025-02-24"
PUBLISHER = "Epoch AI"
LICENCE = "CC BY 4.0"
RELEASE = Release(SOURCE_ID, VINTAGE, PUBLISHER, LICENCE)
COUNTRY = "Country (from Organization)"
DATE = "Publication date"
FRONTIER = "Frontier model"


def split_countries(cell: str | None) -> list[str]:
    """Distinct country names of one model, in order (``"US,US, China"`` -> US, China)."""
    if not isinstance(cell, str):
        return []
    seen: dict[str, None] = {}
    for part in cell.split(","):
        name = part.strip()
        if name:
            seen.setdefault(name, None)
    return list(seen)


class EpochNotableModelsSource:
    """Read ``notable_ai_models_*.csv`` (folder or file path)."""

    source_id = SOURCE_ID

    def read(self, path: Path | None = None) -> Iterator[Batch]:
        file = find_file(path, "notable_ai_models*.csv", source_id=SOURCE_ID, folder=SOURCE_ID)
        frame = read_csv(file, source_id=SOURCE_ID)
        require_columns(frame, ("Model", COUNTRY, DATE), path=file, source_id=SOURCE_ID)
        mapper = EconomyMapper(where=str(file))
        counts: Counter[tuple[str, int]] = Counter()
        frontier: Counter[tuple[str, int]] = Counter()
        no_country = 0
        for index, (cell, date, flag) in enumerate(
            zip(
                frame[COUNTRY],
                frame[DATE],
                frame[FRONTIER] if FRONTIER in frame.columns else [None] * len(frame),
                strict=True,
            )
        ):
            if not isinstance(date, str) or len(date) < 4 or not date[:4].isdigit():
                raise SourceFormatError(
                    f"publication date {date!r} is not YYYY-MM-DD",
                    source_id=SOURCE_ID,
                    path=str(file),
                    line=index + 2,
                    column=DATE,
                )
            year = int(date[:4])
            names = split_countries(cell)
            if not names:
                no_country += 1
            codes = {code for code in mapper.map(names) if code is not None}
            for code in codes:
                counts[(code, year)] += 1
                if isinstance(flag, str) and flag.strip().lower() == "true":
                    frontier[(code, year)] += 1
        rows = [(e, "EPOCH.notable_models", y, n) for (e, y), n in sorted(counts.items())]
        rows += [(e, "EPOCH.frontier_models", y, n) for (e, y), n in sorted(frontier.items())]
        no_country_rows = (
            [UnknownCode(code="<no country>", where=str(file), rows=no_country)]
            if no_country
            else []
        )
        counting = (
            "Full counting: a model with developing organisations in several countries counts "
            "once for each of them. Country-years with no model are absent (not zero). Models "
            "attributed to 'Multinational' or to no country are not counted for any economy."
        )
        yield file_batch(
            file,
            RELEASE,
            title="Epoch AI, Data on Notable AI Models (download of 2025-02-24)",
            observations=observations(
                [r[0] for r in rows],
                [r[1] for r in rows],
                [r[2] for r in rows],
                [r[3] for r in rows],
            ),
            indicators=[
                {
                    "code": "EPOCH.notable_models",
                    "name": "Notable AI models developed (by developer country)",
                    "unit": "models per year",
                    "description": (
                        "Number of notable AI models (Epoch AI notability criteria) "
                        "published in the year with at least one developing organisation "
                        f"in the economy. {counting}"
                    ),
                    "topic": "AI production",
                    "direction": 1,
                    "licence": LICENCE,
                    "source": "Epoch AI, 'Data on Notable AI Models' (epoch.ai)",
                },
                {
                    "code": "EPOCH.frontier_models",
                    "name": "Frontier AI models developed (by developer country)",
                    "unit": "models per year",
                    "description": (
                        "Number of notable AI models flagged 'Frontier model' by Epoch AI "
                        "(among the most compute-intensive at release) published in the "
                        f"year with a developing organisation in the economy. {counting}"
                    ),
                    "topic": "AI production",
                    "direction": 1,
                    "licence": LICENCE,
                    "source": "Epoch AI, 'Data on Notable AI Models' (epoch.ai)",
                },
            ],
            economies=mapper,
            unknown_codes=no_country_rows,
        )
