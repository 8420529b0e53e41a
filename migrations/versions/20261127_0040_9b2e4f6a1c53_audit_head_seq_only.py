"""audit chain head keeps only the last sequence number

The hash to chain to is read from the last event itself in the statement that
takes the next number, which saves an UPDATE per audit event.

Revision ID: 9b2e4f6a1c53
Revises: 7c3d9e1a4b20
Create Date: 2026-11-27 00:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9b2e4f6a1c53"
down_revision = "7c3d9e1a4b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.drop_column("last_hash")


def downgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch_op:
        batch_op.add_column(sa.Column("last_hash", sa.String(length=64), nullable=False, server_default="0" * 64))
    op.execute("UPDATE audit_chain_head SET last_hash = COALESCE("
               "(SELECT hash FROM audit_events WHERE seq = audit_chain_head.last_seq), last_hash)")
