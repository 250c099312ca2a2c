"""``aibridge quickstart``: the README's first command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aibridge.cli.main import app
from aibridge.store import Store


def test_without_data_it_says_how_to_load_online(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    result = CliRunner().invoke(
        app, ["quickstart", "--data", str(tmp_path / "nowhere"), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert "aibridge update worldbank" in result.output
    assert store.exists()  # the store was still created


@pytest.mark.shared_data
def test_loads_a_dataset_and_summarises_the_indices(shared_data: Path, tmp_path: Path) -> None:
    """With only the HDR folder: the HDI summary is printed; the ACI says what it lacks."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "undp-hdr-2023-24").symlink_to(shared_data / "undp-hdr-2023-24")
    store = tmp_path / "s.duckdb"
    result = CliRunner().invoke(
        app, ["quickstart", "--data", str(root), "--store", str(store), "--top", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "undp-hdr-2023-24" in result.output
    assert "CHE Switzerland" in result.output  # HDI 2022 rank 1 (0.967)
    assert "0.967" in result.output
    assert "AI Capacity Index not built: unknown indicator code(s)" in result.output
    with Store(str(store), read_only=True) as s:
        assert s.status().current > 100_000
    # idempotent: a second run changes nothing
    again = CliRunner().invoke(
        app, ["quickstart", "--data", str(root), "--store", str(store), "--top", "3"]
    )
    assert again.exit_code == 0, again.output
    flat = re.sub(r"\s+", " ", again.output)
    assert "192,615 rows from undp-hdr-2023-24" in flat
    assert ": 0 new, 0 revised, 192,615 unchanged" in flat
