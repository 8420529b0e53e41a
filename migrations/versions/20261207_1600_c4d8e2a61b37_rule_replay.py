"""rule replay (预演): draft rule sets and replay records with progress, summary and detail

Revision ID: c4d8e2a61b37
Revises: a7c3e51d9f28
Create Date: 2026-12-07 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c4d8e2a61b37"
down_revision = "a7c3e51d9f28"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rule_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("factors", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("activated_at", TZ, nullable=True),
        sa.Column("activated_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_drafts")),
    )
    op.create_table(
        "replay_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("scope_kind", sa.String(length=12), nullable=False),
        sa.Column("scope_code", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("heartbeat_at", TZ, nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("summary", JSON, nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["rule_drafts.id"], name=op.f("fk_replay_runs_draft_id_rule_drafts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replay_runs")),
    )
    op.create_index(op.f("ix_replay_runs_draft_id"), "replay_runs", ["draft_id"])
    op.create_index("ix_replay_runs_status_requested_at", "replay_runs", ["status", "requested_at"])


def downgrade() -> None:
    op.drop_index("ix_replay_runs_status_requested_at", table_name="replay_runs")
    op.drop_index(op.f("ix_replay_runs_draft_id"), table_name="replay_runs")
    op.drop_table("replay_runs")
    op.drop_table("rule_drafts")
