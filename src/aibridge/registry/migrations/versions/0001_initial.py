"""Initial registry schema: organisations, accounts, tokens, needs, offers, projects, pledges,
pledge updates, matches, resolutions (seeded) and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("country", sa.String(3)),
        sa.Column("iati_ref", sa.String(100), unique=True),
        sa.Column("website", sa.String(500)),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(320)),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        *_stamps(),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer, sa.ForeignKey("organisations.id", ondelete="RESTRICT")
        ),
        sa.Column("email", sa.String(320)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        *_stamps(),
        sa.CheckConstraint(
            "role IN ('viewer', 'contributor', 'moderator', 'admin')", name="ck_accounts_role"
        ),
        sa.CheckConstraint(
            "role <> 'contributor' OR organisation_id IS NOT NULL",
            name="ck_accounts_contributor_org",
        ),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(200), nullable=False),
        sa.Column("label", sa.String(100), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
    )
    org_fk = sa.ForeignKey("organisations.id", ondelete="RESTRICT")
    op.create_table(
        "needs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, org_fk, nullable=False, index=True),
        sa.Column("economy", sa.String(3), nullable=False, index=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("budget_min", sa.Float),
        sa.Column("budget_max", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False, server_default="open", index=True),
        *_stamps(),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("eligible_economies", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("capacity", sa.Integer),
        sa.Column("capacity_unit", sa.String(50)),
        sa.Column("available_from", sa.Date),
        sa.Column("available_until", sa.Date),
        sa.Column("status", sa.String(20), nullable=False, server_default="open", index=True),
        *_stamps(),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("iati_identifier", sa.String(200), unique=True),  # NULL: none given
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("activity_status", sa.String(4)),
        sa.Column("default_currency", sa.String(3)),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("need_id", sa.Integer, sa.ForeignKey("needs.id", ondelete="SET NULL")),
        sa.Column("offer_id", sa.Integer, sa.ForeignKey("offers.id", ondelete="SET NULL")),
        sa.Column("iati", sa.JSON, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisations.id", ondelete="RESTRICT"),
            nullable=False,
            index=True,
        ),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("amount", sa.Float),
        sa.Column("currency", sa.String(3)),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("actions", sa.JSON, nullable=False),
        sa.Column("economies", sa.JSON, nullable=False),
        sa.Column("announced_on", sa.Date),
        sa.Column("due_date", sa.Date),
        sa.Column("status", sa.String(20), nullable=False, server_default="pledged"),
        sa.Column("progress_pct", sa.Float, nullable=False, server_default="0"),
        sa.Column("disbursed", sa.Float, nullable=False, server_default="0"),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id", ondelete="SET NULL")),
        *_stamps(),
        sa.CheckConstraint("progress_pct >= 0 AND progress_pct <= 100", name="ck_pledges_pct"),
    )
    op.create_table(
        "pledge_updates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "pledge_id",
            sa.Integer,
            sa.ForeignKey("pledges.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("reported_on", sa.Date, nullable=False),
        sa.Column("progress_pct", sa.Float),
        sa.Column("disbursed_delta", sa.Float, nullable=False, server_default="0"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "need_id",
            sa.Integer,
            sa.ForeignKey("needs.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "offer_id",
            sa.Integer,
            sa.ForeignKey("offers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="proposed"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("proposed_by", sa.Integer, sa.ForeignKey("accounts.id", ondelete="SET NULL")),
        *_stamps(),
        sa.UniqueConstraint("need_id", "offer_id", name="uq_matches_need_offer"),
    )
    resolutions = op.create_table(
        "resolutions",
        sa.Column("symbol", sa.String(40), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.String(100), nullable=False),
        sa.Column("adopted_on", sa.Date, nullable=False),
        sa.Column("how_adopted", sa.String(200), nullable=False),
        sa.Column("proposed_by", sa.JSON, nullable=False),
        sa.Column("introduced_on_behalf_of", sa.JSON, nullable=False),
        sa.Column("co_sponsors", sa.JSON, nullable=False),
        sa.Column("co_sponsors_note", sa.Text, nullable=False),
        sa.Column("operative_points", sa.JSON, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("account_id", sa.Integer),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False, index=True),
        sa.Column("entity_id", sa.String(100)),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )
    _append_only_triggers()

    # Seed data: the resolutions of CONTEXT.md (frozen copy; later seeds get new migrations).
    from aibridge.registry.resolutions import SEED_0001

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    op.bulk_insert(
        resolutions,
        [{**row, "version": 1, "created_at": now, "updated_at": now} for row in SEED_0001],
    )


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "resolutions",
        "matches",
        "pledge_updates",
        "pledges",
        "projects",
        "offers",
        "needs",
        "api_tokens",
        "accounts",
        "organisations",
    ):
        op.drop_table(table)
