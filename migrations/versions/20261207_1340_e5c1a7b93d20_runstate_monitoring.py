"""run-state monitoring: scheduler job runs and threshold alerts

Revision ID: e5c1a7b93d20
Revises: e15a7c3d2b90
Create Date: 2026-12-07 13:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e5c1a7b93d20"
down_revision = "e15a7c3d2b90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_job_runs",
        sa.Column("job_id", sa.String(length=60), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_duration_seconds", sa.Float(), nullable=False),
        sa.Column("last_ok", sa.Boolean(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_scheduler_job_runs")),
    )
    op.create_table(
        "runstate_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_instance_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runstate_alerts")),
    )
    op.create_index(op.f("ix_runstate_alerts_figure"), "runstate_alerts", ["figure"])
    op.create_index(op.f("ix_runstate_alerts_cleared_at"), "runstate_alerts", ["cleared_at"])
    op.create_index("uq_runstate_alerts_open_figure", "runstate_alerts", ["figure"], unique=True,
                    postgresql_where=sa.text("cleared_at IS NULL"), sqlite_where=sa.text("cleared_at IS NULL"))


def downgrade() -> None:
    op.drop_index("uq_runstate_alerts_open_figure", table_name="runstate_alerts")
    op.drop_index(op.f("ix_runstate_alerts_cleared_at"), table_name="runstate_alerts")
    op.drop_index(op.f("ix_runstate_alerts_figure"), table_name="runstate_alerts")
    op.drop_table("runstate_alerts")
    op.drop_table("scheduler_job_runs")
