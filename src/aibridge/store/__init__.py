"""The indicator store: long-format values with vintages and provenance, on DuckDB.

>>> from aibridge.store import Store
>>> with Store(":memory:") as store:
...     store.status().current
0
"""

from __future__ import annotations

from aibridge.store.results import ImportReport, Observations, Panel, StagedBatch, StoreStatus
from aibridge.store.store import Progress, Store

__all__ = [
    "ImportReport",
    "Observations",
    "Panel",
    "Progress",
    "StagedBatch",
    "Store",
    "StoreStatus",
]
