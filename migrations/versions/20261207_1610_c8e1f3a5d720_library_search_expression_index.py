"""library search on PostgreSQL: GIN index on to_tsvector(tokens) instead of a stored tsvector; rank on the head

The stored ``tsv`` column (one TOASTed vector per entry) made the planner choose a sequential scan
for common words and detoast every row twice (match, then ``ts_rank``). An expression index is
never rechecked on the heap for plain AND queries, a sequential scan over it is priced at
``to_tsvector``'s cost (so the planner keeps the index), and ranking reads ``head_tsv``: the
vector of the first tokens of the entry (its name or title and identifiers come first), small
enough to stay inline and GIN-indexed itself, so the entries whose head matches are found and
ranked without touching the others. SQLite (FTS5) is unchanged.

Revision ID: c8e1f3a5d720
Revises: b4d2e8f16a37
Create Date: 2026-12-07 16:10:00
"""
from __future__ import annotations

from alembic import op

revision = "c8e1f3a5d720"
down_revision = "b4d2e8f16a37"
branch_labels = None
depends_on = None

# the tokens' first 600 characters, cut after a whole token
HEAD = r"CASE WHEN length(tokens) <= 600 THEN tokens ELSE regexp_replace(left(tokens, 601), '\s\S*$', '') END"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_library_search_tsv")
    op.execute("ALTER TABLE library_search DROP COLUMN tsv")
    op.execute("CREATE INDEX ix_library_search_tokens_fts ON library_search USING gin (to_tsvector('simple', tokens))")
    op.execute(f"ALTER TABLE library_search ADD COLUMN head_tsv tsvector "
               f"GENERATED ALWAYS AS (to_tsvector('simple', {HEAD})) STORED")
    op.execute("CREATE INDEX ix_library_search_head_tsv ON library_search USING gin (head_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP INDEX ix_library_search_head_tsv")
    op.execute("ALTER TABLE library_search DROP COLUMN head_tsv")
    op.execute("DROP INDEX ix_library_search_tokens_fts")
    op.execute("ALTER TABLE library_search ADD COLUMN tsv tsvector "
               "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED")
    op.execute("CREATE INDEX ix_library_search_tsv ON library_search USING gin (tsv)")
