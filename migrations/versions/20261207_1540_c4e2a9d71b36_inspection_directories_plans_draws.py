"""inspection (双随机): object/officer/item directories, class changes, rule sets, plans, campaign targets,
verifiable draws and their assignments

Revision ID: c4e2a9d71b36
Revises: a7c3e51d9f28
Create Date: 2026-12-07 15:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e2a9d71b36"
down_revision = "a7c3e51d9f28"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    _directories()
    _plans()
    _draws()


def _directories() -> None:
    op.create_table(
        "inspection_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.String(length=200), nullable=False),
        sa.Column("project_name", sa.String(length=200), nullable=False),
        sa.Column("approval_number", sa.String(length=60), nullable=False),
        sa.Column("approval_date", sa.Date(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("computed_class", sa.String(length=10), nullable=False),
        sa.Column("class_reasons", sa.JSON(), nullable=False),
        sa.Column("override_class", sa.String(length=10), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("override_by", sa.String(length=100), nullable=True),
        sa.Column("override_at", TZ, nullable=True),
        sa.Column("object_class", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("classified_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=True),
        _fk("inspection_objects", "enterprise_id", "enterprises"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_objects")),
        sa.UniqueConstraint("kind", "enterprise_code", "approval_number", name=op.f("uq_inspection_objects_kind")),
    )
    op.create_index(op.f("ix_inspection_objects_enterprise_id"), "inspection_objects", ["enterprise_id"])
    op.create_index(op.f("ix_inspection_objects_enterprise_code"), "inspection_objects", ["enterprise_code"])
    op.create_index("ix_inspection_objects_region_class", "inspection_objects", ["region_code", "object_class"])
    op.create_table(
        "inspection_class_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("from_class", sa.String(length=10), nullable=True),
        sa.Column("to_class", sa.String(length=10), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        _fk("inspection_class_changes", "object_id", "inspection_objects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_class_changes")),
    )
    op.create_index(op.f("ix_inspection_class_changes_object_id"), "inspection_class_changes", ["object_id"])
    op.create_table(
        "inspection_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("certificate_number", sa.String(length=30), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_officers")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_inspection_officers_certificate_number")),
        sa.UniqueConstraint("username", name=op.f("uq_inspection_officers_username")),
    )
    op.create_index(op.f("ix_inspection_officers_region_code"), "inspection_officers", ["region_code"])
    op.create_table(
        "inspection_officer_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_code", sa.String(length=18), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _fk("inspection_officer_links", "officer_id", "inspection_officers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_officer_links")),
        sa.UniqueConstraint("officer_id", "enterprise_code", name=op.f("uq_inspection_officer_links_officer_id")),
    )
    op.create_index(op.f("ix_inspection_officer_links_officer_id"), "inspection_officer_links", ["officer_id"])
    op.create_index(op.f("ix_inspection_officer_links_enterprise_code"), "inspection_officer_links",
                    ["enterprise_code"])
    op.create_table(
        "inspection_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("object_kinds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_items_code")),
    )
    op.create_table(
        "inspection_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rule_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_inspection_rule_sets_version")),
    )


def _plans() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("body_region_code", sa.String(length=12), nullable=False),
        sa.Column("body_level", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("inspect_from", sa.Date(), nullable=False),
        sa.Column("inspect_to", sa.Date(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("organiser", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
    )
    op.create_index("ix_inspection_plans_body_period", "inspection_plans", ["body_region_code", "period_start"])
    op.create_table(
        "inspection_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        _fk("inspection_plan_items", "plan_id", "inspection_plans"),
        _fk("inspection_plan_items", "item_id", "inspection_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan_items")),
        sa.UniqueConstraint("plan_id", "item_id", name=op.f("uq_inspection_plan_items_plan_id")),
    )
    op.create_index(op.f("ix_inspection_plan_items_plan_id"), "inspection_plan_items", ["plan_id"])
    op.create_table(
        "inspection_campaign_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        _fk("inspection_campaign_targets", "plan_id", "inspection_plans"),
        _fk("inspection_campaign_targets", "object_id", "inspection_objects"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_campaign_targets")),
        sa.UniqueConstraint("plan_id", "object_id", name=op.f("uq_inspection_campaign_targets_plan_id")),
    )
    op.create_index(op.f("ix_inspection_campaign_targets_plan_id"), "inspection_campaign_targets", ["plan_id"])


def _draws() -> None:
    op.create_table(
        "inspection_draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("seed_commitment", sa.String(length=64), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("result_hash", sa.String(length=64), nullable=True),
        sa.Column("redraw_of_id", sa.Integer(), nullable=True),
        sa.Column("redraw_reason", sa.Text(), nullable=False),
        sa.Column("committed_by", sa.String(length=100), nullable=False),
        sa.Column("committed_at", TZ, nullable=False),
        sa.Column("drawn_by", sa.String(length=100), nullable=True),
        sa.Column("drawn_at", TZ, nullable=True),
        sa.Column("revealed_by", sa.String(length=100), nullable=True),
        sa.Column("revealed_at", TZ, nullable=True),
        _fk("inspection_draws", "plan_id", "inspection_plans"),
        _fk("inspection_draws", "redraw_of_id", "inspection_draws"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_draws")),
        sa.UniqueConstraint("plan_id", "sequence", name=op.f("uq_inspection_draws_plan_id")),
    )
    op.create_index(op.f("ix_inspection_draws_plan_id"), "inspection_draws", ["plan_id"])
    op.create_table(
        "inspection_draw_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("object_class", sa.String(length=10), nullable=False),
        sa.Column("officer1_id", sa.Integer(), nullable=False),
        sa.Column("officer2_id", sa.Integer(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        _fk("inspection_draw_assignments", "draw_id", "inspection_draws"),
        _fk("inspection_draw_assignments", "object_id", "inspection_objects"),
        _fk("inspection_draw_assignments", "officer1_id", "inspection_officers"),
        _fk("inspection_draw_assignments", "officer2_id", "inspection_officers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_draw_assignments")),
        sa.UniqueConstraint("draw_id", "object_id", name=op.f("uq_inspection_draw_assignments_draw_id")),
    )
    op.create_index(op.f("ix_inspection_draw_assignments_draw_id"), "inspection_draw_assignments", ["draw_id"])
    op.create_index(op.f("ix_inspection_draw_assignments_object_id"), "inspection_draw_assignments", ["object_id"])
    op.create_index("ix_inspection_draw_assignments_officers", "inspection_draw_assignments",
                    ["officer1_id", "officer2_id"])


def downgrade() -> None:
    for table in ("inspection_draw_assignments", "inspection_draws", "inspection_campaign_targets",
                  "inspection_plan_items", "inspection_plans", "inspection_rule_sets", "inspection_items",
                  "inspection_officer_links", "inspection_officers", "inspection_class_changes",
                  "inspection_objects"):
        op.drop_table(table)
