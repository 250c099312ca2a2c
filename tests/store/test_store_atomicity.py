"""Every import is one transaction: a failed, or killed (kill -9), import leaves the store as it
was before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from store_batches import make_batch

from aibridge.errors import StoreError
from aibridge.store import Store

ROWS = [("KEN", "A.X", 2000, 1.0), ("UGA", "A.X", 2000, 2.0), ("KEN", "B.Y", 2001, 3.0)]
TABLES = (
    "series",
    "observations",
    "flags",
    "superseded",
    "history",
    "current",
    "latest",
    "vintages",
    "origins",
    "indicators",
    "economies",
)


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    return {t: store.con.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_exception_mid_import_rolls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        store.ingest(make_batch(ROWS))
        before = dump(store)

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(Store, "_merge_indicators", boom)  # after rows were written
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.ingest(make_batch([("TZA", "C.Z", 2005, 9.0)], vintage="2030"))
        monkeypatch.undo()
        assert dump(store) == before
        # the store is still usable and the same import now succeeds
        assert store.ingest(make_batch([("TZA", "C.Z", 2005, 9.0)], vintage="2030")).written == 1


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {helpers!r})
    import pyarrow as pa
    from store_batches import make_batch
    from aibridge.store import Store

    store = Store({path!r})
    original = Store._write_stage

    def slow(self, *args, **kwargs):
        result = original(self, *args, **kwargs)  # rows written, current flags updated ...
        Path({marker!r}).write_text("inside")   # ... then wait, uncommitted, to be killed
        time.sleep(120)
        return result

    Store._write_stage = slow
    rows = [(f"E{{i % 200:03d}}", f"I.{{i // 200}}", 1960 + i % 50, float(i))
            for i in range(60000)]
    rows = list({{(e, ind, y): (e, ind, y, v) for e, ind, y, v in rows}}.values())
    store.ingest(make_batch(rows, vintage="2099", source_id="big", sha256="f" * 64))
    print("committed?!")
    """
)


@pytest.mark.slow
def test_kill_9_mid_import_leaves_store_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        store.ingest(make_batch(ROWS))
        before = dump(store)
    marker = tmp_path / "inside"
    script = SCRIPT.format(helpers=str(Path(__file__).parent), path=str(path), marker=str(marker))
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the importing process ended before the kill"
            assert time.monotonic() < deadline, "the import never reached the kill point"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with Store(path) as store:  # reopening replays the WAL: only committed work survives
        assert dump(store) == before
        report = store.ingest(make_batch([("TZA", "C.Z", 2005, 9.0)], vintage="2030"))
        assert report.written == 1


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with Store(path):
        code = (
            "from aibridge.store import Store\n"
            "from aibridge.errors import StoreError\n"
            f"try:\n    Store({str(path)!r})\nexcept StoreError as e:\n    print(e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    assert "one writing process" in out.stdout
    assert StoreError  # the message is the documented one
