"""Fast JSON for row tables: polars writes the rows in native code (one Python dict per row
costs more than the query for a few thousand rows)."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pyarrow as pa

__all__ = ["json_rows"]


def json_rows(table: pa.Table, **extra: Any) -> bytes:
    """``{"data": [rows...], "count": n, **extra}`` as UTF-8 JSON."""
    if table.num_rows:
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        rows = frame.write_json().encode()
    else:
        rows = b"[]"
    tail = json.dumps({"count": table.num_rows, **extra})[1:]
    return b'{"data":' + rows + b"," + tail.encode()
