"""register: enterprise and point master data, key-unit list memberships, factor standards

Enterprises gain former names, address and coordinates (with their datum), the
GB/T 4754 industry code, the discharge permit, the HJ 941 risk level, status
and contacts; points a stop date; factors the standard of their limit.
``version`` columns give the API's ETags. (The flag that forces an enterprise
account's first password change is ``local_users.must_change_password``, added
by the revision before this one.)

Revision ID: e15a7c3d2b90
Revises: e24a7c1d5b90
Create Date: 2026-12-07 13:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e15a7c3d2b90"
down_revision = "e24a7c1d5b90"
branch_labels = None
depends_on = None


def _enterprise_columns() -> tuple[sa.Column, ...]:  # new objects per call: a Column joins one table
    return (
        sa.Column("former_names", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("address", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("datum", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("industry_code", sa.String(length=5), nullable=False, server_default=""),
        sa.Column("permit_number", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("permit_class", sa.String(length=12), nullable=False, server_default=""),
        sa.Column("permit_valid_from", sa.Date(), nullable=True),
        sa.Column("permit_valid_to", sa.Date(), nullable=True),
        sa.Column("risk_level", sa.String(length=10), nullable=False, server_default=""),
        sa.Column("risk_assessed_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False, server_default="operating"),
        sa.Column("status_since", sa.Date(), nullable=True),
        sa.Column("contact_name", sa.String(length=50), nullable=False, server_default=""),
        sa.Column("contact_phone", sa.String(length=40), nullable=False, server_default=""),
        sa.Column("contact_email", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )


def upgrade() -> None:
    with op.batch_alter_table("enterprises") as batch_op:
        for column in _enterprise_columns():
            batch_op.add_column(column)
        batch_op.create_index(batch_op.f("ix_enterprises_industry_code"), ["industry_code"], unique=False)
    with op.batch_alter_table("monitoring_points") as batch_op:
        batch_op.add_column(sa.Column("monitoring_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("point_factors") as batch_op:
        batch_op.add_column(sa.Column("standard", sa.String(length=60), nullable=False, server_default=""))
    op.create_table(
        "enterprise_list_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("medium", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("fk_enterprise_list_memberships_enterprise_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_list_memberships")),
        sa.UniqueConstraint("enterprise_id", "year", "medium", name=op.f("uq_enterprise_list_memberships_enterprise_id")),
    )
    op.create_index(op.f("ix_enterprise_list_memberships_enterprise_id"), "enterprise_list_memberships",
                    ["enterprise_id"], unique=False)
    op.create_index("ix_enterprise_list_memberships_year_medium", "enterprise_list_memberships",
                    ["year", "medium"], unique=False)


def downgrade() -> None:
    op.drop_table("enterprise_list_memberships")
    with op.batch_alter_table("point_factors") as batch_op:
        batch_op.drop_column("standard")
    with op.batch_alter_table("monitoring_points") as batch_op:
        for name in ("updated_at", "version", "monitoring_until"):
            batch_op.drop_column(name)
    with op.batch_alter_table("enterprises") as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))
        for column in reversed(_enterprise_columns()):
            batch_op.drop_column(column.name)
