"""Pledges towards a need: the nullable ``pledges.need_id`` (foreign key to needs, SET NULL
when the need is deleted, indexed for the need page's "pledges towards this need").

SQLite cannot add a foreign key or drop a column that has one in place, so both directions
use Alembic's batch mode (which copies the table there; PostgreSQL alters in place). While
SQLite copies ``pledges`` with foreign keys on, dropping the old table would cascade to
``pledge_updates``; those rows are kept aside in a temporary table and put back.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_FK = "fk_pledges_need_id_needs"
_INDEX = "ix_pledges_need_id"


@contextmanager
def _keep_pledge_updates() -> Iterator[None]:
    """On SQLite, save ``pledge_updates`` across a copy of ``pledges`` (see module doc)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TABLE IF EXISTS temp._aibridge_pledge_updates")
        op.execute("CREATE TEMP TABLE _aibridge_pledge_updates AS SELECT * FROM pledge_updates")
    yield
    if sqlite:
        op.execute("DELETE FROM pledge_updates")
        op.execute("INSERT INTO pledge_updates SELECT * FROM temp._aibridge_pledge_updates")
        op.execute("DROP TABLE temp._aibridge_pledge_updates")


def upgrade() -> None:
    with _keep_pledge_updates(), op.batch_alter_table("pledges") as batch:
        batch.add_column(sa.Column("need_id", sa.Integer, nullable=True))
        batch.create_foreign_key(_FK, "needs", ["need_id"], ["id"], ondelete="SET NULL")
        batch.create_index(_INDEX, ["need_id"])


def downgrade() -> None:
    with _keep_pledge_updates(), op.batch_alter_table("pledges") as batch:
        batch.drop_index(_INDEX)
        batch.drop_constraint(_FK, type_="foreignkey")
        batch.drop_column("need_id")
