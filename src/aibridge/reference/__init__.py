"""Reference data: the economy table (codes, names in six UN languages, regions) and resolver."""

from aibridge.reference.economies import (
    ECONOMY_SCHEMA,
    ECONOMY_UPDATE_SCHEMA,
    EconomyMatch,
    apply_economy_updates,
    classify_economy,
    economy_table,
    economy_updates_from_wdi,
    is_aggregate,
    resolve_economy,
)

__all__ = [
    "ECONOMY_SCHEMA",
    "ECONOMY_UPDATE_SCHEMA",
    "EconomyMatch",
    "apply_economy_updates",
    "classify_economy",
    "economy_table",
    "economy_updates_from_wdi",
    "is_aggregate",
    "resolve_economy",
]
