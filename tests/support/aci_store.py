"""A store file with the real open data the AI Capacity Index reads (for real-data tests and
benchmarks): the shared folders below, only the series of the ACI and its gender lens (their
sources, denominators and expert inputs) plus any ``extra`` codes. About 15–30 s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

#: The shared-data folders that hold the ACI's series.
ACI_DATASETS: tuple[str, ...] = (
    "wdi-metadata-2020",
    "wdi-recent",
    "gapminder-systema-globalis",
    "undp-hdr-2023-24",
    "un-egdi-2003-2024",
    "github-innovation-graph",
    "owid-ai",
    "itu-gci-2020",
    "odin-2022",
    "sdg-ict-2020",
    "wgi-2024",
    "wb-spi-2021",
    "wb-gtmi-2022",
)


def build_aci_store(
    shared_data: Path,
    path: Path,
    *,
    extra: Iterable[str] = (),
    frameworks: Sequence[str] = ("aci", "aci_gender"),
) -> Path:
    from aibridge.analysis.aci import aci_source_codes
    from aibridge.sources.catalog import import_shared
    from aibridge.store import Store

    codes = aci_source_codes(frameworks) | set(extra)
    with Store(path) as store:
        import_shared(store, shared_data, datasets=ACI_DATASETS, indicators=codes)
    return path
