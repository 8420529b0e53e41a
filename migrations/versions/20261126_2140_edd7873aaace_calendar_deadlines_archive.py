"""working-day calendar, provisional deadlines, task config version, archived instances

Revision ID: edd7873aaace
Revises: ad36d3c598a3
Create Date: 2026-11-26 21:40:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = "edd7873aaace"
down_revision = "ad36d3c598a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["year"], ["calendar_years.year"], name=op.f("fk_calendar_days_year_calendar_years")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("day", name=op.f("uq_calendar_days_day")),
    )
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_days_year"), ["year"], unique=False)

    op.create_table(
        "calendar_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_state")),
    )
    op.create_table(
        "provisional_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instances.id"],
                                name=op.f("fk_provisional_deadlines_instance_id_process_instances")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisional_deadlines")),
    )
    with op.batch_alter_table("provisional_deadlines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provisional_deadlines_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provisional_deadlines_year"), ["year"], unique=False)

    op.create_table(
        "archived_instances",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_by", sa.String(length=100), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_instances")),
    )
    with op.batch_alter_table("archived_instances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archived_instances_business_key"), ["business_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_archived_instances_enterprise_code"), ["enterprise_code"], unique=False)
        batch_op.create_index("ix_archived_instances_region_code", ["region_code"], unique=False)

    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_provisional", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("config_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_tasks", schema=None) as batch_op:
        batch_op.drop_column("config_version")
        batch_op.drop_column("due_provisional")
    with op.batch_alter_table("archived_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_archived_instances_region_code")
        batch_op.drop_index(batch_op.f("ix_archived_instances_enterprise_code"))
        batch_op.drop_index(batch_op.f("ix_archived_instances_business_key"))
    op.drop_table("archived_instances")
    with op.batch_alter_table("provisional_deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provisional_deadlines_year"))
        batch_op.drop_index(batch_op.f("ix_provisional_deadlines_instance_id"))
    op.drop_table("provisional_deadlines")
    op.drop_table("calendar_state")
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_days_year"))
    op.drop_table("calendar_days")
    op.drop_table("calendar_years")
