"""Data sources: file importers and web connectors. Each yields :class:`Batch` objects."""

from aibridge.sources._base import (
    FLAGS,
    INDICATOR_COLUMNS,
    OBSERVATION_SCHEMA,
    Batch,
    Origin,
    Source,
    UnknownCode,
)

__all__ = [
    "FLAGS",
    "INDICATOR_COLUMNS",
    "OBSERVATION_SCHEMA",
    "Batch",
    "Origin",
    "Source",
    "UnknownCode",
]
