"""tax data inspection (数据监查): match resolutions, rule versions, monthly monitored figures, findings

Revision ID: b4d2e8f61a37
Revises: 09a0eb9eb18d
Create Date: 2026-12-07 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b4d2e8f61a37"
down_revision = "09a0eb9eb18d"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_match_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_key", sa.String(length=120), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("point_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=False),
        sa.Column("resolved_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("fk_exchange_match_links_enterprise_id_enterprises")),
        sa.ForeignKeyConstraint(["point_id"], ["monitoring_points.id"],
                                name=op.f("fk_exchange_match_links_point_id_monitoring_points")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_match_links")),
        sa.UniqueConstraint("record_kind", "record_key", name=op.f("uq_exchange_match_links_record_kind")),
    )
    op.create_index(op.f("ix_exchange_match_links_region_code"), "exchange_match_links", ["region_code"])
    op.create_table(
        "exchange_check_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_check_rule_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_exchange_check_rule_versions_version")),
    )
    op.create_table(
        "exchange_monitored_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.String(length=20), nullable=False),
        sa.Column("mean_concentration", sa.Float(), nullable=True),
        sa.Column("emission_kg", sa.Float(), nullable=True),
        sa.Column("valid_days", sa.Integer(), nullable=False),
        sa.Column("periods", sa.Integer(), nullable=False),
        sa.Column("computed_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_monitored_months")),
        sa.UniqueConstraint("month", "point_id", "factor", name=op.f("uq_exchange_monitored_months_month")),
    )
    op.create_index(op.f("ix_exchange_monitored_months_point_id"), "exchange_monitored_months", ["point_id"])
    op.create_table(
        "exchange_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("subject_key", sa.String(length=200), nullable=False),
        sa.Column("taxpayer_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("outlet_code", sa.String(length=40), nullable=False),
        sa.Column("pollutant", sa.String(length=20), nullable=False),
        sa.Column("declared", sa.Float(), nullable=True),
        sa.Column("observed", sa.Float(), nullable=True),
        sa.Column("limit", sa.Float(), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("found_at", TZ, nullable=False),
        sa.Column("conclusion", sa.String(length=40), nullable=True),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_findings")),
        sa.UniqueConstraint("rule", "period", "subject_key", name=op.f("uq_exchange_findings_rule")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_exchange_findings_instance_id")),
    )
    op.create_index(op.f("ix_exchange_findings_taxpayer_code"), "exchange_findings", ["taxpayer_code"])
    op.create_index("ix_exchange_findings_period_region", "exchange_findings", ["period", "region_code"])


def downgrade() -> None:
    op.drop_table("exchange_findings")
    op.drop_table("exchange_monitored_months")
    op.drop_table("exchange_check_rule_versions")
    op.drop_table("exchange_match_links")
