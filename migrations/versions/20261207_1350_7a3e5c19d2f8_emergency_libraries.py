"""emergency libraries: entries, versions, links and the search index (FTS5 on SQLite, GIN tsvector on PostgreSQL)

Revision ID: 7a3e5c19d2f8
Revises: e5c1a7b93d20
Create Date: 2026-12-07 13:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.db import UTCDateTime

revision = "7a3e5c19d2f8"
down_revision = "e5c1a7b93d20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("library", sa.String(20), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index(op.f("ix_library_entries_library"), "library_entries", ["library"])
    op.create_table(
        "library_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("library_entries.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by", sa.String(100), nullable=False),
        sa.Column("reviewed_by", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("entry_id", "number"),
    )
    op.create_index(op.f("ix_library_versions_entry_id"), "library_versions", ["entry_id"])
    op.create_index(op.f("ix_library_versions_instance_id"), "library_versions", ["instance_id"])
    op.create_index(op.f("ix_library_versions_published_at"), "library_versions", ["published_at"])
    op.create_table(
        "library_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("from_entry_id", sa.Integer(), sa.ForeignKey("library_entries.id"), nullable=False),
        sa.Column("target_library", sa.String(20), nullable=False),
        sa.Column("target_key", sa.String(200), nullable=False),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.UniqueConstraint("from_entry_id", "target_library", "target_key", "relation"),
    )
    op.create_index(op.f("ix_library_links_from_entry_id"), "library_links", ["from_entry_id"])
    op.create_index(op.f("ix_library_links_target_key"), "library_links", ["target_key"])
    op.create_table(
        "library_search",
        sa.Column("id", sa.Integer(), sa.ForeignKey("library_entries.id"), primary_key=True),
        sa.Column("library", sa.String(20), nullable=False),
        sa.Column("tokens", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
    )
    op.create_index(op.f("ix_library_search_library"), "library_search", ["library"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE library_fts USING fts5(tokens, tokenize='unicode61')")
    else:
        # stored, so ranking reads the vector instead of re-parsing every matching row's tokens
        op.execute("ALTER TABLE library_search ADD COLUMN tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED")
        op.execute("CREATE INDEX ix_library_search_tsv ON library_search USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE library_fts")
    op.drop_table("library_search")
    op.drop_table("library_links")
    op.drop_table("library_versions")
    op.drop_table("library_entries")
