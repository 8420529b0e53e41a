"""audit chain head keeps the last event's hash and the hash that event chained to

An append then takes its number and both hashes in the one statement that
locks the head: reading the previous hash from the events inside that
statement saw the event before the one a waiting writer waited for (its
snapshot predates the wait), and reading it in a statement of its own costs a
round trip.

Revision ID: d81f3a6c2e47
Revises: 9b2e4f6a1c53
Create Date: 2026-11-27 02:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d81f3a6c2e47"
down_revision = "9b2e4f6a1c53"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.add_column(sa.Column("last_hash", sa.String(length=64), nullable=False, server_default=GENESIS_HASH))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=GENESIS_HASH))
    for column, source in (("last_hash", "hash"), ("prev_hash", "prev_hash")):
        op.execute(f"UPDATE audit_chain_head SET {column} = COALESCE("
                   f"(SELECT {source} FROM audit_events WHERE seq = audit_chain_head.last_seq), {column})")


def downgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("last_hash")
