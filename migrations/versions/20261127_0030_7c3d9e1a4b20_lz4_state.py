"""instance state documents compressed with lz4 on PostgreSQL

Every advance rewrites the instance's state document (7–13 KB of JSON), which
PostgreSQL compresses when it stores it out of line. lz4 takes about a third
less time per UPDATE than the default pglz on the benchmark's documents. Only
values written from now on use it; SQLite and servers built without lz4 keep
what they have.

Revision ID: 7c3d9e1a4b20
Revises: 5e1f0c2d9b7a
Create Date: 2026-11-27 00:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7c3d9e1a4b20"
down_revision = "5e1f0c2d9b7a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _server_has_lz4(bind):
        return
    op.execute(f"ALTER TABLE process_instances ALTER COLUMN state SET COMPRESSION {method}")


def _server_has_lz4(bind: sa.engine.Connection) -> bool:
    return bool(bind.scalar(sa.text(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")))
