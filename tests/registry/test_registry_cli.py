"""``aibridge registry ...`` end to end through the Typer app and the error funnel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from registry_iati_samples import ACTIVITY
from typer.testing import CliRunner

from aibridge.cli.main import app, run

runner = CliRunner()


def _ok(args: list[str], **env: str) -> str:
    result = runner.invoke(app, args, env=env or None)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def db(registry_url: str) -> str:
    return registry_url  # SQLite, then PostgreSQL when configured


def test_registry_cli_end_to_end(db: str, tmp_path: Path) -> None:
    out = _ok(["registry", "user", "add", "root", "--role", "admin", "--db", db])
    token = out.strip().splitlines()[-1].split()[-1]
    assert token.startswith("abr_")
    env = {"AIBRIDGE_TOKEN": token}
    _ok(
        [
            "registry",
            "add",
            "organisation",
            "--db",
            db,
            "-s",
            "name=Kenya ICT Authority",
            "-s",
            "kind=government",
            "-s",
            "country=KEN",
        ],
        **env,
    )
    _ok(
        ["registry", "add", "organisation", "--db", db, "-s", "name=UNDP", "-s", "kind=un_entity"],
        **env,
    )
    _ok(
        [
            "registry",
            "add",
            "need",
            "--db",
            db,
            "-s",
            "organisation_id=1",
            "-s",
            "economy=KEN",
            "-s",
            "title=Train civil servants in AI",
            "-s",
            "areas=3",
            "-s",
            "actions=AP5,AP6",
            "-s",
            "languages=en,sw",
        ],
        **env,
    )
    record = tmp_path / "offer.json"
    record.write_text(
        json.dumps(
            {"organisation_id": 2, "kind": "training", "title": "AI literacy course", "areas": [3]}
        )
    )
    _ok(["registry", "add", "offer", "--db", db, "--file", str(record)], **env)
    listing = json.loads(_ok(["registry", "list", "needs", "--db", db, "--json"]))
    assert listing[0]["actions"] == ["AP5", "AP6"]
    shown = json.loads(_ok(["registry", "show", "need", "1", "--db", db]))
    assert shown["economy"] == "KEN"
    matches = json.loads(_ok(["registry", "match", "need", "1", "--db", db, "--json"]))
    assert matches[0]["offer_id"] == 1
    assert matches[0]["score"] == pytest.approx(sum(t["contribution"] for t in matches[0]["terms"]))
    text = _ok(["registry", "match", "need", "1", "--db", db])
    assert "similarity" in text and "score" in text
    _ok(["registry", "update", "need", "1", "--db", db, "-s", "status=in_progress"], **env)
    _ok(["registry", "propose", "1", "1", "--db", db], **env)
    _ok(["registry", "answer", "1", "accepted", "--db", db], **env)
    stored = json.loads(_ok(["registry", "matches", "--need", "1", "--db", db, "--json"]))
    assert stored[0]["status"] == "accepted"
    xml = tmp_path / "a.xml"
    xml.write_text(ACTIVITY, encoding="utf-8")
    assert "1 new" in _ok(["registry", "import-iati", str(xml), "--db", db], **env)
    exported = tmp_path / "out.xml"
    _ok(["registry", "export-iati", "--db", db, "--out", str(exported)])
    assert b"XM-DAC-41114-AI-001" in exported.read_bytes()
    log = json.loads(_ok(["registry", "audit-log", "--db", db, "--json"], **env))
    assert {e["entity"] for e in log} >= {"organisation", "need", "offer", "project", "account"}
    res = _ok(["registry", "resolutions", "--economy", "CHN", "--db", db])
    assert "A/RES/78/311" in res and "proposer" in res


def test_cli_writes_need_a_token_and_errors_are_one_line(db: str, capsys, monkeypatch) -> None:
    monkeypatch.delenv("AIBRIDGE_TOKEN", raising=False)
    with pytest.raises(SystemExit) as info:
        run(["registry", "add", "organisation", "--db", db, "-s", "name=X org", "-s", "kind=ngo"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "Error:" in err and "token" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        run(["registry", "user", "add", "first", "--role", "viewer", "--db", db])
    assert "first one must be an admin" in capsys.readouterr().err


def test_every_registry_command_has_help() -> None:
    from aibridge.cli.commands_registry import registry_app, token_app, user_app

    for group, prefix in ((registry_app, []), (user_app, ["user"]), (token_app, ["token"])):
        for cmd in group.registered_commands:
            name = cmd.name or cmd.callback.__name__
            result = runner.invoke(app, ["registry", *prefix, name, "--help"])
            assert result.exit_code == 0 and "Usage" in result.output
            assert cmd.callback.__doc__, f"registry {name} lacks help text"
