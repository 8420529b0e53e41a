"""web UI: task index filter columns, task drafts, notifications and their mail outbox

Revision ID: d8a54d621350
Revises: ad36d3c598a3
Create Date: 2026-11-26 22:10:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "d8a54d621350"
down_revision = "ad36d3c598a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("point", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("enterprise_name", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_human_tasks_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_human_tasks_point"), ["point"], unique=False)

    op.create_table(
        "task_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_tasks.id"], name=op.f("fk_task_drafts_task_id_human_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_drafts")),
        sa.UniqueConstraint("task_id", "username", name=op.f("uq_task_drafts_task_id")),
    )
    with op.batch_alter_table("task_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_drafts_task_id"), ["task_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("recipient", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("enterprise_code", sa.String(length=18), nullable=True),
        sa.Column("source_seq", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_enterprise_code"), ["enterprise_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_recipient"), ["recipient"], unique=False)
        batch_op.create_index("ix_notifications_scope", ["role", "region_code"], unique=False)
        batch_op.create_index("ix_notifications_task_kind", ["task_id", "kind"], unique=False)

    op.create_table(
        "notification_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_notification_reads_notification_id_notifications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_reads")),
        sa.UniqueConstraint("notification_id", "username", name=op.f("uq_notification_reads_notification_id")),
    )
    with op.batch_alter_table("notification_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_reads_notification_id"), ["notification_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notification_reads_username"), ["username"], unique=False)

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("enterprise_code", sa.String(length=18), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("username", name=op.f("uq_notification_preferences_username")),
    )

    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_notification_deliveries_notification_id_notifications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_deliveries_notification_id"), ["notification_id"],
                              unique=False)
        batch_op.create_index("ix_notification_deliveries_status", ["status", "id"], unique=False)

    op.create_table(
        "notification_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_cursor")),
    )


def downgrade() -> None:
    op.drop_table("notification_cursor")
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_deliveries_status")
        batch_op.drop_index(batch_op.f("ix_notification_deliveries_notification_id"))
    op.drop_table("notification_deliveries")
    op.drop_table("notification_preferences")
    with op.batch_alter_table("notification_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_reads_username"))
        batch_op.drop_index(batch_op.f("ix_notification_reads_notification_id"))
    op.drop_table("notification_reads")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_task_kind")
        batch_op.drop_index("ix_notifications_scope")
        batch_op.drop_index(batch_op.f("ix_notifications_recipient"))
        batch_op.drop_index(batch_op.f("ix_notifications_instance_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_enterprise_code"))
        batch_op.drop_index(batch_op.f("ix_notifications_created_at"))
    op.drop_table("notifications")
    with op.batch_alter_table("task_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_drafts_task_id"))
    op.drop_table("task_drafts")
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_human_tasks_point"))
        batch_op.drop_index(batch_op.f("ix_human_tasks_kind"))
        batch_op.drop_column("enterprise_name")
        batch_op.drop_column("point")
        batch_op.drop_column("kind")
