"""credit rating rounds: rule sets per year (versioned), department facts, rounds, facts snapshot, scores and items

Revision ID: a7c3e51d9f28
Revises: 7a3e5c19d2f8
Create Date: 2026-12-07 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a7c3e51d9f28"
down_revision = "7a3e5c19d2f8"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "credit_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_rule_sets")),
        sa.UniqueConstraint("year", "version", name=op.f("uq_credit_rule_sets_year")),
    )
    op.create_index(op.f("ix_credit_rule_sets_year"), "credit_rule_sets", ["year"])
    op.create_table(
        "credit_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_facts")),
    )
    op.create_index(op.f("ix_credit_facts_enterprise_code"), "credit_facts", ["enterprise_code"])
    op.create_index("ix_credit_facts_kind_date", "credit_facts", ["kind", "occurred_on"])
    op.create_table(
        "credit_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("published_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["rule_set_id"], ["credit_rule_sets.id"],
                                name=op.f("fk_credit_rounds_rule_set_id_credit_rule_sets")),
        sa.ForeignKeyConstraint(["notice_id"], ["public_notices.id"],
                                name=op.f("fk_credit_rounds_notice_id_public_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_rounds")),
    )
    op.create_index(op.f("ix_credit_rounds_year"), "credit_rounds", ["year"])
    op.create_index(op.f("ix_credit_rounds_instance_id"), "credit_rounds", ["instance_id"])
    op.create_table(
        "credit_round_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("indicator", sa.String(length=40), nullable=True),
        sa.Column("occurred_at", TZ, nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["credit_rounds.id"],
                                name=op.f("fk_credit_round_facts_round_id_credit_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_round_facts")),
    )
    op.create_index("ix_credit_round_facts_round_enterprise", "credit_round_facts", ["round_id", "enterprise_code"])
    op.create_table(
        "credit_score_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("fact_count", sa.Integer(), nullable=False),
        sa.Column("fact_value", sa.Float(), nullable=True),
        sa.Column("zeroed", sa.Integer(), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["credit_rounds.id"],
                                name=op.f("fk_credit_score_items_round_id_credit_rounds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_score_items")),
    )
    op.create_index("ix_credit_score_items_round_enterprise", "credit_score_items", ["round_id", "enterprise_code"])
    op.create_table(
        "credit_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("score_level", sa.Integer(), nullable=False),
        sa.Column("vetoed", sa.Integer(), nullable=False),
        sa.Column("downgrades", sa.Integer(), nullable=False),
        sa.Column("proposed_level", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=20), nullable=False),
        sa.Column("county_by", sa.String(length=100), nullable=True),
        sa.Column("city_by", sa.String(length=100), nullable=True),
        sa.Column("adjust_reason", sa.Text(), nullable=False),
        sa.Column("adjust_evidence", sa.JSON(), nullable=False),
        sa.Column("rating_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["credit_rounds.id"],
                                name=op.f("fk_credit_scores_round_id_credit_rounds")),
        sa.ForeignKeyConstraint(["rating_id"], ["credit_ratings.id"],
                                name=op.f("fk_credit_scores_rating_id_credit_ratings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_scores")),
        sa.UniqueConstraint("round_id", "enterprise_code", name=op.f("uq_credit_scores_round_id")),
    )
    op.create_index("ix_credit_scores_round_region", "credit_scores", ["round_id", "region_code"])


def downgrade() -> None:
    for table in ("credit_scores", "credit_score_items", "credit_round_facts", "credit_rounds", "credit_facts",
                  "credit_rule_sets"):
        op.drop_table(table)
