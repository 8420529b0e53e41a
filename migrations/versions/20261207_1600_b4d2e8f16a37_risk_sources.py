"""risk sources: risk assessments, stored risk substances, versioned risk rules

Revision ID: b4d2e8f16a37
Revises: c4e2a9d71b36
Create Date: 2026-12-07 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.db import UTCDateTime

revision = "b4d2e8f16a37"
down_revision = "c4e2a9d71b36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_code", sa.String(18), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("previous_level", sa.String(10), nullable=False),
        sa.Column("expression", sa.String(200), nullable=False),
        sa.Column("q_value", sa.Float(), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
    )
    for column in ("enterprise_code", "region_code", "recorded_at"):
        op.create_index(op.f(f"ix_risk_assessments_{column}"), "risk_assessments", [column])
    op.create_table(
        "risk_substances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enterprise_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("cas", sa.String(20), nullable=False),
        sa.Column("max_quantity_t", sa.Float(), nullable=False),
        sa.Column("critical_quantity_t", sa.Float(), nullable=False),
        sa.Column("critical_basis", sa.String(200), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("enterprise_code", "name", name=op.f("uq_risk_substances_enterprise_code")),
    )
    op.create_index(op.f("ix_risk_substances_enterprise_code"), "risk_substances", ["enterprise_code"])
    op.create_index(op.f("ix_risk_substances_cas"), "risk_substances", ["cas"])
    op.create_table(
        "risk_rule_sets",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("risk_rule_sets", "risk_substances", "risk_assessments"):
        op.drop_table(table)
