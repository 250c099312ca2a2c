"""``aibridge registry ...``: the cooperation registry from the command line.

Writes need an API token (``--token`` or ``AIBRIDGE_TOKEN``); reads do not. The very first
account of an empty registry is created without a token: ``aibridge registry user add NAME
--role admin`` (bootstrap), which also prints that account's first token.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from aibridge.errors import AuthenticationFailed, ValidationFailed

if TYPE_CHECKING:
    from pydantic import BaseModel

console = Console()
registry_app = typer.Typer(
    name="registry",
    help="Cooperation registry: needs, offers, projects, pledges, matches, resolutions.",
    no_args_is_help=True,
)
user_app = typer.Typer(help="Accounts (admins).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
registry_app.add_typer(user_app, name="user")
registry_app.add_typer(token_app, name="token")

KINDS = ("organisation", "need", "offer", "project", "pledge")
_LIST_FIELDS = {"areas", "actions", "languages", "eligible_economies", "economies"}

DbOpt = typer.Option(None, "--db", envvar="AIBRIDGE_REGISTRY_URL", help="SQLAlchemy URL.")
TokenOpt = typer.Option(None, "--token", envvar="AIBRIDGE_TOKEN", help="API token for writes.")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")


def register(app: typer.Typer) -> None:
    """Attach ``aibridge registry`` to the root app."""
    app.add_typer(registry_app, name="registry")


def _registry(db: str | None) -> Any:
    from aibridge.registry import Registry

    return Registry(db)


def _actor(reg: Any, token: str | None) -> Any:
    if not token:
        raise AuthenticationFailed(
            "this command changes the registry and needs an API token: pass --token or set "
            "AIBRIDGE_TOKEN (an admin creates one with `aibridge registry token create`)"
        )
    return reg.authenticate(token)


def _kind(kind: str) -> str:
    k = kind.lower().rstrip("s") if kind.lower() != "organisations" else "organisation"
    if k not in KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(KINDS)}; got {kind!r}", field="kind", rule="enum"
        )
    return k


def _parse_sets(sets: list[str] | None, file: Path | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if file is not None:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        if file.suffix in (".yaml", ".yml"):
            import yaml

            data.update(yaml.safe_load(text) or {})
        else:
            data.update(json.loads(text))
    for item in sets or []:
        if "=" not in item:
            raise ValidationFailed(
                f"--set expects key=value; got {item!r}", field="--set", rule="key=value"
            )
        key, value = item.split("=", 1)
        key = key.strip().replace("-", "_")
        data[key] = (
            [v.strip() for v in value.split(",") if v.strip()] if key in _LIST_FIELDS else value
        )
    return data


def _dump(obj: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, list):
        return [_dump(o) for o in obj]
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items()}
    return obj


def _print_json(obj: Any) -> None:
    typer.echo(json.dumps(_dump(obj), indent=2, ensure_ascii=False))


def _table(rows: list[BaseModel], columns: list[str], title: str) -> None:
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        d = r.model_dump(mode="json")
        table.add_row(
            *[
                ", ".join(map(str, v)) if isinstance(v, list) else str(v)
                for v in map(d.get, columns)
            ]
        )
    console.print(table)


_COLUMNS = {
    "organisation": ["id", "name", "kind", "country", "iati_ref"],
    "need": ["id", "organisation_id", "economy", "title", "areas", "actions", "status"],
    "offer": ["id", "organisation_id", "kind", "title", "areas", "eligible_economies", "status"],
    "project": ["id", "organisation_id", "iati_identifier", "title", "activity_status"],
    "pledge": ["id", "organisation_id", "title", "amount", "currency", "progress_pct", "status"],
}


@registry_app.command("init")
def init(db: str | None = DbOpt) -> None:
    """Create or upgrade the registry database to the newest schema."""
    from aibridge.registry.db import current_revision

    reg = _registry(db)
    typer.echo(f"registry ready at revision {current_revision(reg.engine)}: {reg.url}")


@registry_app.command("add")
def add(
    kind: str = typer.Argument(..., help="organisation | need | offer | project | pledge"),
    sets: list[str] = typer.Option(None, "--set", "-s", help="field=value (lists: a,b,c)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="JSON/YAML record ('-' = stdin)."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Add a record, e.g. ``add need -s organisation_id=1 -s economy=KEN -s title="AI
    course" -s areas=3 -s actions=AP5,AP6 -s languages=en,sw``."""
    k = _kind(kind)
    reg = _registry(db)
    actor = _actor(reg, token)
    out = getattr(reg, f"create_{k}")(actor, _parse_sets(sets, file))
    if as_json:
        _print_json(out)
    else:
        typer.echo(f"added {k} {out.id}")


@registry_app.command("update")
def update(
    kind: str = typer.Argument(..., help="organisation | need | offer | project | pledge"),
    record_id: int = typer.Argument(...),
    sets: list[str] = typer.Option(None, "--set", "-s", help="field=value (lists: a,b,c)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="JSON/YAML changes."),
    version: int | None = typer.Option(None, help="Refuse if the record changed since."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Change fields of a record (only the given ones)."""
    k = _kind(kind)
    reg = _registry(db)
    actor = _actor(reg, token)
    data = _parse_sets(sets, file)
    if version is not None:
        data["version"] = version
    out = getattr(reg, f"update_{k}")(actor, record_id, data)
    typer.echo(f"updated {k} {out.id} (version {out.version})")


@registry_app.command("delete")
def delete(
    kind: str = typer.Argument(...),
    record_id: int = typer.Argument(...),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Delete a record (recorded in the audit log with its last state)."""
    k = _kind(kind)
    reg = _registry(db)
    getattr(reg, f"delete_{k}")(_actor(reg, token), record_id)
    typer.echo(f"deleted {k} {record_id}")


@registry_app.command("list")
def list_(
    kind: str = typer.Argument(..., help="organisation | need | offer | project | pledge"),
    economy: str | None = typer.Option(None, help="Needs/projects/pledges for this economy."),
    area: int | None = typer.Option(None, help="Action Plan area 1..5 (needs, offers)."),
    status: str | None = typer.Option(None),
    org: int | None = typer.Option(None, "--org", help="Organisation id."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List records with optional filters."""
    k = _kind(kind)
    reg = _registry(db)
    rows: list[Any]
    if k == "organisation":
        rows = reg.list_organisations(country=economy)
    elif k == "need":
        rows = reg.list_needs(economy=economy, area=area, status=status, organisation_id=org)
    elif k == "offer":
        rows = reg.list_offers(area=area, status=status, organisation_id=org, eligible_for=economy)
    elif k == "project":
        rows = reg.list_projects(economy=economy, organisation_id=org, status=status)
    else:
        rows = reg.list_pledges(organisation_id=org, economy=economy)
    if as_json:
        _print_json(rows)
    else:
        _table(rows, _COLUMNS[k], f"{k}s ({len(rows)})")


@registry_app.command("show")
def show(
    kind: str = typer.Argument(...),
    record_id: str = typer.Argument(..., help="Id (projects: id or IATI identifier)."),
    db: str | None = DbOpt,
) -> None:
    """Show one record as JSON (pledges include their progress updates)."""
    k = _kind(kind)
    reg = _registry(db)
    if k == "project" and not record_id.isdigit():
        out: Any = reg.get_project(record_id)
    else:
        out = getattr(reg, f"get_{k}")(int(record_id))
    data = _dump(out)
    if k == "pledge":
        data["progress_updates"] = _dump(reg.list_progress(int(record_id)))
    if k == "need":
        data["matches"] = _dump(reg.list_matches(need_id=int(record_id)))
    _print_json(data)


@registry_app.command("match")
def match(
    kind: str = typer.Argument(..., help="need (rank offers for it) or offer (rank needs)"),
    record_id: int = typer.Argument(...),
    limit: int = typer.Option(5, min=1),
    include_ineligible: bool = typer.Option(False, help="Also rank offers it is not eligible for."),
    explain: bool = typer.Option(True, help="Show each term's contribution."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Rank offers for a need (or needs for an offer) with the score explained."""
    reg = _registry(db)
    k = _kind(kind)
    if k == "need":
        matches = reg.match_offers(record_id, limit=limit, include_ineligible=include_ineligible)
    elif k == "offer":
        matches = reg.match_needs(record_id, limit=limit, include_ineligible=include_ineligible)
    else:
        raise ValidationFailed("match works on a need or an offer", field="kind", rule="enum")
    if as_json:
        _print_json(matches)
        return
    if not matches:
        typer.echo("no eligible matches")
    for rank, mt in enumerate(matches, 1):
        other = f"offer {mt.offer_id}" if k == "need" else f"need {mt.need_id}"
        console.print(f"[bold]{rank}. {other}[/]  score {mt.score:.3f}", highlight=False)
        if explain:
            for t in mt.terms:
                console.print(
                    f"   {t.name:<12} {t.contribution:6.3f} = {t.weight:.2f} × {t.value:.2f}  "
                    f"{t.explanation}",
                    highlight=False,
                )


@registry_app.command("matches")
def matches(
    need: int | None = typer.Option(None, help="Need id."),
    offer: int | None = typer.Option(None, help="Offer id."),
    status: str | None = typer.Option(None, help="proposed | accepted | rejected | withdrawn"),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """List recorded matches (proposed, accepted ...) with their stored scores."""
    reg = _registry(db)
    rows = reg.list_matches(need_id=need, offer_id=offer, status=status)
    if as_json:
        _print_json(rows)
    else:
        _table(rows, ["id", "need_id", "offer_id", "score", "status", "note"], "matches")


@registry_app.command("propose")
def propose(
    need_id: int,
    offer_id: int,
    note: str = typer.Option(""),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Record a match between a need and an offer."""
    reg = _registry(db)
    out = reg.propose_match(_actor(reg, token), need_id, offer_id, note=note)
    typer.echo(f"match {out.id} proposed (score {out.score:.3f})")


@registry_app.command("answer")
def answer(
    match_id: int,
    status: str = typer.Argument(..., help="accepted | rejected | withdrawn"),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Accept, reject or withdraw a proposed match."""
    reg = _registry(db)
    out = reg.set_match_status(_actor(reg, token), match_id, status)
    typer.echo(f"match {out.id} {out.status}")


@registry_app.command("progress")
def progress(
    pledge_id: int,
    pct: float | None = typer.Option(None, "--pct", help="Progress 0..100."),
    amount: float = typer.Option(0.0, "--amount", help="Amount disbursed since last update."),
    date: str = typer.Option(dt.date.today().isoformat(), help="Report date YYYY-MM-DD."),
    note: str = typer.Option(""),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Record progress on a pledge."""
    reg = _registry(db)
    data = {"reported_on": date, "progress_pct": pct, "disbursed_delta": amount, "note": note}
    out = reg.record_progress(_actor(reg, token), pledge_id, data)
    typer.echo(f"progress update {out.id} recorded on pledge {pledge_id}")


@registry_app.command("import-iati")
def import_iati(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="IATI 2.03 activity XML."),
    org: int | None = typer.Option(None, "--org", help="Owning organisation id."),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Import IATI activities as projects (validated; all or nothing)."""
    reg = _registry(db)
    report = reg.import_iati(_actor(reg, token), path.read_bytes(), organisation_id=org)
    typer.echo(f"imported {len(report.created)} new and {len(report.updated)} updated project(s)")


@registry_app.command("export-iati")
def export_iati(
    out: Path | None = typer.Option(None, "--out", "-o", help="File (default: stdout)."),
    project: list[int] = typer.Option(None, "--project", help="Project id (repeatable)."),
    org: int | None = typer.Option(None, "--org"),
    db: str | None = DbOpt,
) -> None:
    """Export projects as IATI 2.03 activity XML (schema-validated)."""
    reg = _registry(db)
    xml = reg.export_iati(project or None, organisation_id=org)
    if out is None:
        sys.stdout.buffer.write(xml)
    else:
        out.write_bytes(xml)
        typer.echo(f"wrote {out}")


@registry_app.command("audit-log")
def audit_log(
    entity: str | None = typer.Option(None, help="need, offer, project, pledge, match, ..."),
    entity_id: str | None = typer.Option(None, "--id"),
    account: str | None = typer.Option(None, help="Account name."),
    limit: int = typer.Option(50, min=1),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Show the audit log, newest first (moderators and admins)."""
    reg = _registry(db)
    rows = reg.audit_log(
        _actor(reg, token), entity=entity, entity_id=entity_id, account=account, limit=limit
    )
    if as_json:
        _print_json(rows)
    else:
        _table(rows, ["id", "at", "actor", "action", "entity", "entity_id"], "audit log")


@registry_app.command("resolutions")
def resolutions(
    economy: str | None = typer.Option(None, help="Show this economy's role in each."),
    db: str | None = DbOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Tracked UN resolutions (A/RES/78/265, A/RES/78/311, ...)."""
    reg = _registry(db)
    rows = reg.resolutions_for(economy) if economy else reg.list_resolutions()
    if as_json:
        _print_json(rows)
    else:
        cols = ["symbol", "adopted_on", "how_adopted", "title"] + (["role"] if economy else [])
        _table(rows, cols, "resolutions")


@user_app.command("add")
def user_add(
    name: str,
    role: str = typer.Option(..., help="viewer | contributor | moderator | admin"),
    org: int | None = typer.Option(None, "--org", help="Organisation (contributors)."),
    email: str | None = typer.Option(None),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Add an account; on an empty registry the first (admin) account needs no token and
    gets a token printed."""
    from aibridge.registry import SYSTEM

    reg = _registry(db)
    bootstrap = not reg.has_accounts()
    if bootstrap and role != "admin":
        raise ValidationFailed(
            "the registry has no accounts yet: the first one must be an admin (--role admin)",
            field="role",
            rule="bootstrap_admin",
        )
    actor = SYSTEM if bootstrap else _actor(reg, token)
    acc = reg.create_account(
        actor, {"name": name, "role": role, "organisation_id": org, "email": email}
    )
    typer.echo(f"added account {acc.name} ({acc.role}) id {acc.id}")
    if bootstrap:
        created = reg.create_token(SYSTEM, acc.id, label="bootstrap")
        typer.echo(f"token (shown once; export AIBRIDGE_TOKEN=...): {created.token}")


@user_app.command("list")
def user_list(db: str | None = DbOpt, token: str | None = TokenOpt) -> None:
    """List accounts (admins)."""
    reg = _registry(db)
    _table(
        reg.list_accounts(_actor(reg, token)),
        ["id", "name", "role", "organisation_id", "active"],
        "accounts",
    )


@user_app.command("set")
def user_set(
    account_id: int,
    role: str | None = typer.Option(None),
    active: bool | None = typer.Option(None, "--active/--inactive"),
    org: int | None = typer.Option(None, "--org"),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Change an account's role, organisation or active flag (admins)."""
    reg = _registry(db)
    acc = reg.update_account(
        _actor(reg, token), account_id, role=role, active=active, organisation_id=org
    )
    typer.echo(f"account {acc.name}: role {acc.role}, active {acc.active}")


@token_app.command("create")
def token_create(
    account: str | None = typer.Option(None, help="Account name or id (default: yourself)."),
    label: str = typer.Option(""),
    expires_days: int | None = typer.Option(None, min=1),
    db: str | None = DbOpt,
    token: str | None = TokenOpt,
) -> None:
    """Create an API token (printed once; only its hash is stored)."""
    reg = _registry(db)
    actor = _actor(reg, token)
    account_id = reg.get_account(actor, account).id if account else None
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_days) if expires_days else None
    created = reg.create_token(actor, account_id, label=label, expires_at=expires)
    typer.echo(created.token)


@token_app.command("revoke")
def token_revoke(token_id: int, db: str | None = DbOpt, token: str | None = TokenOpt) -> None:
    """Revoke an API token."""
    reg = _registry(db)
    reg.revoke_token(_actor(reg, token), token_id)
    typer.echo(f"revoked token {token_id}")
