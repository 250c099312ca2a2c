"""Which importer reads which source, and the one-call import of the shared open data.

``SOURCES`` maps a stable source id (the name users type in ``aibridge import <source>``) to
a factory that builds the :class:`~aibridge.sources._base.Source`. Factories import their
module lazily, so listing the catalogue costs nothing and one broken optional importer cannot
stop the others from loading.

``SHARED_DATASETS`` maps each folder of the shared open-data directory (``../shared/data``,
see :func:`aibridge.settings.find_shared_data`) to the source id(s) that read it, in the order
they must run: metadata first (economy regions and income groups, indicator names), then
observations.

To add a source: write ``sources/<name>.py`` with a class that has ``source_id`` and
``read(path) -> Iterator[Batch]``, then add one line to ``SOURCES`` (and to
``SHARED_DATASETS`` if it reads a shared-data folder).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aibridge.errors import ConfigError, SourceUnavailable
from aibridge.settings import find_shared_data
from aibridge.sources._base import Batch, Source

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "SHARED_DATASETS",
    "SOURCES",
    "DatasetImport",
    "ProgressCallback",
    "SharedImportReport",
    "SourceFactory",
    "get_source",
    "import_shared",
    "ingest_batches",
    "read_shared",
]

SourceFactory = Callable[[], Source]


class _Store(Protocol):
    """What :func:`import_shared` needs of :class:`aibridge.store.Store` (no import cycle)."""

    def ingest_many(self, batches: list[Batch], *, progress: Any = None) -> Any: ...

    def update_economies(self, table: pa.Table) -> int: ...


class ProgressCallback(Protocol):
    """Told about each step of :func:`import_shared`: ``(dataset, step, done, total)``."""

    def __call__(self, dataset: str, step: str, done: int, total: int) -> None: ...


def _lazy(module: str, attr: str) -> SourceFactory:
    """A factory that imports ``aibridge.sources.<module>`` only when called."""

    def factory() -> Source:
        mod = importlib.import_module(f"aibridge.sources.{module}")
        cls = getattr(mod, attr)
        source: Source = cls()
        return source

    factory.__qualname__ = f"{module}.{attr}"
    factory.__doc__ = f"Build aibridge.sources.{module}.{attr}."
    return factory


#: source id -> factory. Keep sorted by id within each owner's block.
SOURCES: dict[str, SourceFactory] = {
    # importers of country-year files (sources/<name>.py)
    "epoch-notable-ai-models": _lazy("epoch", "EpochNotableModelsSource"),
    "github-innovation-graph": _lazy("github_innovation", "GithubInnovationGraphSource"),
    "itu-gci-2020": _lazy("itu_gci", "ItuGciSource"),
    "odin-2022": _lazy("odin", "OdinSource"),
    "owid-ai": _lazy("owid", "OwidSource"),
    "un-egdi-2003-2024": _lazy("un_egdi", "UnEgdiNamedSource"),
    "un-egdi-2010-2018": _lazy("un_egdi", "UnEgdiIso3Source"),
    "undp-hdr-2023-24": _lazy("undp_hdr", "UndpHdrSource"),
    "wdi-country-metadata": _lazy("wdi_metadata", "WdiCountryMetadataSource"),
    "wdi-metadata-2020": _lazy("wdi_metadata", "WdiMetadataSource"),
    # wide WDI-layout files, tidy files and data packages (store helper)
    "datapackage": _lazy("datapackage", "DataPackageSource"),
    "tidy": _lazy("tidy", "TidySource"),
    "wdi-bulk": _lazy("wdi_bulk", "WdiBulkSource"),
    "wgi-csv": _lazy("wdi_bulk", "WgiCsvSource"),
    # DDF packages and World Bank survey files (web-connectors helper)
    "ddf": _lazy("ddf", "DdfSource"),
    "gapminder-systema-globalis": _lazy("ddf", "GapminderSystemaGlobalisSource"),
    "sdg-ict-2020": _lazy("ddf", "SdgIctSource"),
    "wb-gtmi-2022": _lazy("gtmi", "GtmiSource"),
    "wb-spi-2021": _lazy("spi", "SpiSource"),
    "wgi-xlsx": _lazy("wgi", "WgiXlsxSource"),
}

#: shared-data folder -> source ids that read it (in order).
SHARED_DATASETS: dict[str, tuple[str, ...]] = {
    "wdi-metadata-2020": ("wdi-metadata-2020",),
    "wdi-2013": ("wdi-bulk",),
    "wdi-recent": ("wdi-bulk", "wdi-country-metadata"),
    "wgi-2024": ("wgi-csv", "wgi-xlsx"),  # vintages 2023 then 2024
    "gapminder-systema-globalis": ("gapminder-systema-globalis",),
    "sdg-ict-2020": ("sdg-ict-2020",),
    "wb-spi-2021": ("wb-spi-2021",),
    "wb-gtmi-2022": ("wb-gtmi-2022",),
    "undp-hdr-2023-24": ("undp-hdr-2023-24",),
    "un-egdi-2010-2018": ("un-egdi-2010-2018",),
    "un-egdi-2003-2024": ("un-egdi-2003-2024",),
    "github-innovation-graph": ("github-innovation-graph",),
    "owid-ai": ("owid-ai",),
    "epoch-notable-ai-models": ("epoch-notable-ai-models",),
    "itu-gci-2020": ("itu-gci-2020",),
    "odin-2022": ("odin-2022",),
}

#: shared-data folders that hold no country-year observations, and why (shown by status).
NOT_OBSERVATIONS: dict[str, str] = {
    "country-codes": "economy reference check (tests/reference), not observations",
    "coinr-asem": "engine parity fixture (tests/engine), not imported into the store",
    "iati-schemas": "IATI schemas and samples for the cooperation registry",
}


def get_source(source_id: str) -> Source:
    """Build the source registered under ``source_id``.

    Raises :class:`~aibridge.errors.ConfigError` naming the known ids when it is unknown.
    """
    try:
        factory = SOURCES[source_id]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise ConfigError(f"unknown source {source_id!r}; known sources: {known}") from None
    return factory()


def _shared_root(path: Path | None) -> Path:
    root = path if path is not None else find_shared_data()
    if root is None:
        raise SourceUnavailable(
            "the shared open-data folder was not found; set AIBRIDGE_SHARED_DATA to it (or place "
            "it at ../shared/data), or load data online with `aibridge update worldbank`"
        )
    if not root.is_dir():
        raise SourceUnavailable(
            f"{root} is not a folder; pass the shared open-data folder (the one holding "
            "undp-hdr-2023-24/, wdi-2013/ ...) or set AIBRIDGE_SHARED_DATA to it"
        )
    return root


def _selected(root: Path, datasets: Iterable[str] | None) -> list[str]:
    if datasets is None:
        return [name for name in SHARED_DATASETS if (root / name).is_dir()]
    chosen = list(datasets)
    unknown = [name for name in chosen if name not in SHARED_DATASETS]
    if unknown:
        known = ", ".join(SHARED_DATASETS)
        raise ConfigError(f"unknown shared dataset(s) {unknown}; known: {known}")
    return chosen


def read_shared(
    path: Path | None = None, *, datasets: Iterable[str] | None = None
) -> Iterator[Batch]:
    """Yield the batches of every shared-data folder present (or only those named).

    ``path`` defaults to :func:`~aibridge.settings.find_shared_data`. Folders are read in
    ``SHARED_DATASETS`` order (metadata first).
    """
    root = _shared_root(path)
    for name in _selected(root, datasets):
        yield from _read_dataset(root, name)


def _read_dataset(root: Path, name: str) -> Iterator[Batch]:
    for source_id in SHARED_DATASETS[name]:
        yield from get_source(source_id).read(root / name)


@dataclass
class DatasetImport:
    """What one shared-data folder contributed to the store."""

    dataset: str
    batches: int = 0
    observations: int = 0
    indicators: int = 0
    unknown_codes: list[str] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list)  # the store's ImportReport objects


@dataclass
class SharedImportReport:
    """Summary of :func:`import_shared`, one entry per dataset folder."""

    root: Path
    datasets: list[DatasetImport] = field(default_factory=list)

    @property
    def observations(self) -> int:
        return sum(d.observations for d in self.datasets)


def ingest_batches(store: _Store, batches: list[Batch], *, progress: Any = None) -> Any:
    """Ingest ``batches`` (one transaction) and apply the economy-metadata updates they carry.

    A batch from a metadata source (``wdi-metadata-2020``, ``wdi-country-metadata``) carries
    ``economy_updates`` (World Bank region, income group, aggregate flag); they are applied
    with ``Store.update_economies`` first, so the economies exist with the right flags before
    the observations arrive. Use this instead of ``store.ingest_many`` when the source may be
    a metadata source (``aibridge import``, ``quickstart``); ``progress`` is passed on to
    ``ingest_many``.
    """
    from aibridge.sources._tabular import economy_updates_of

    for batch in batches:
        updates = economy_updates_of(batch)
        if updates is not None:
            store.update_economies(updates)
    if progress is not None:
        return store.ingest_many(batches, progress=progress)
    return store.ingest_many(batches)


def import_shared(
    store: _Store,
    path: Path | None = None,
    progress: ProgressCallback | None = None,
    *,
    datasets: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
) -> SharedImportReport:
    """Import every shared-data folder into ``store``, one transaction per folder.

    ``datasets``: only these folders; ``indicators``: only these indicator codes (values and
    metadata; e.g. the series one framework reads, see ``analysis.aci.aci_source_codes``).
    A folder that fails to import leaves the store as it was before that folder (the store's
    ``ingest_many`` is all-or-nothing) and the error propagates.
    """
    root = _shared_root(path)
    names = _selected(root, datasets)
    report = SharedImportReport(root=root)
    for index, name in enumerate(names):
        if progress is not None:
            progress(name, "reading", index, len(names))
        batches = list(_read_dataset(root, name))
        if indicators is not None:
            batches = _only_indicators(batches, indicators)
        if progress is not None:
            progress(name, "writing", index, len(names))
        entry = DatasetImport(dataset=name, batches=len(batches))
        entry.observations = sum(b.observations.num_rows for b in batches)
        entry.indicators = sum(b.indicators.num_rows for b in batches)
        entry.unknown_codes = sorted({u.code for b in batches for u in b.unknown_codes})
        entry.reports.append(ingest_batches(store, batches))
        report.datasets.append(entry)
        if progress is not None:
            progress(name, "done", index + 1, len(names))
    return report


def _only_indicators(batches: list[Batch], codes: Iterable[str]) -> list[Batch]:
    """The batches with only the observations and metadata of ``codes``."""
    import dataclasses

    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = pa.array(sorted(set(codes)), pa.string())
    return [
        dataclasses.replace(
            b,
            observations=b.observations.filter(pc.is_in(b.observations["indicator"], wanted)),
            indicators=b.indicators.filter(pc.is_in(b.indicators["code"], wanted)),
        )
        for b in batches
    ]
