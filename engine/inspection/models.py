"""双随机、一公开: the "一单两库" directories (objects, officers, items), plans, verifiable draws and assignments.

The on-site inspection, its conclusion and publication hang off :class:`DrawAssignment` (see HANDOFF.md).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ObjectKind(StrEnum):
    DISCHARGE_UNIT = "discharge_unit"  # 排污单位 (an enterprise of the register)
    EIA_PROJECT = "eia_project"  # 环评批复建设项目
    ACCEPTANCE_PROJECT = "acceptance_project"  # 竣工环境保护验收项目


class ObjectClass(StrEnum):
    SPECIAL = "special"  # 特殊监管对象
    KEY = "key"  # 重点监管对象
    GENERAL = "general"  # 一般监管对象


class OfficerStatus(StrEnum):
    ACTIVE = "active"  # 在岗, may be drawn
    SUSPENDED = "suspended"  # 暂停 (leave, training, under investigation)
    RETIRED = "retired"  # 调离/退休


class PlanKind(StrEnum):
    REGULAR = "regular"  # 日常双随机抽查
    CAMPAIGN = "campaign"  # 专项行动: its own target list, counted separately


class PlanStatus(StrEnum):
    DRAFT = "draft"
    DRAWN = "drawn"  # a draw in force
    CLOSED = "closed"  # the inspections are over


class DrawStatus(StrEnum):
    COMMITTED = "committed"  # seed commitment and inputs hash recorded, not yet drawn
    DRAWN = "drawn"  # assignments made, seed still secret
    REVEALED = "revealed"  # seed published; anyone may verify
    SUPERSEDED = "superseded"  # replaced by a redraw (kept, visible)


class InspectionObject(Base):
    """An entry of the object directory (检查对象名录库): a discharge unit or a project of an enterprise.

    ``computed_class`` comes from the data (credit, risk, penalties, key-unit lists, complaints), with
    ``class_reasons`` naming what made it; ``override_class`` is a manual adjustment with its reason.
    ``object_class`` is the class in force (the override when present) — the column draws filter on.
    """

    __tablename__ = "inspection_objects"
    __table_args__ = (UniqueConstraint("kind", "enterprise_code", "approval_number"),
                      Index("ix_inspection_objects_region_class", "region_code", "object_class"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    project_name: Mapped[str] = mapped_column(String(200), default="")  # empty for a discharge unit
    approval_number: Mapped[str] = mapped_column(String(60), default="")  # 批复/验收文号; "" for a unit
    approval_date: Mapped[date | None] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12))
    computed_class: Mapped[str] = mapped_column(String(10), default=ObjectClass.GENERAL)
    class_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    override_class: Mapped[str | None] = mapped_column(String(10))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    override_by: Mapped[str | None] = mapped_column(String(100))
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    object_class: Mapped[str] = mapped_column(String(10), default=ObjectClass.GENERAL)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.enterprise_name}｜{self.project_name}" if self.project_name else self.enterprise_name


class ClassChange(Base):
    """One change of an object's class in force: a recomputation that moved it, or a manual adjustment."""

    __tablename__ = "inspection_class_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_objects.id"), index=True)
    from_class: Mapped[str | None] = mapped_column(String(10))
    to_class: Mapped[str] = mapped_column(String(10))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Officer(Base):
    """An entry of the officer directory (执法检查人员名录库); ``username`` links the officer's login account."""

    __tablename__ = "inspection_officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    certificate_number: Mapped[str] = mapped_column(String(30), unique=True)  # 执法证号
    unit: Mapped[str] = mapped_column(String(100))  # 所属执法机构
    region_code: Mapped[str] = mapped_column(String(12), index=True)  # the body the officer serves
    status: Mapped[str] = mapped_column(String(12), default=OfficerStatus.ACTIVE)
    username: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OfficerLink(Base):
    """A tie between an officer and an enterprise (former employer, relative, shareholding): never drawn together."""

    __tablename__ = "inspection_officer_links"
    __table_args__ = (UniqueConstraint("officer_id", "enterprise_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("inspection_officers.id"), index=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionItem(Base):
    """An entry of the inspection-item list (抽查事项清单): what is checked, on which legal basis, how."""

    __tablename__ = "inspection_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    checklist: Mapped[list[str]] = mapped_column(JSON, default=list)  # 检查要点, one string each
    object_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # ObjectKind values; [] = all
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InspectionRuleSet(Base):
    """One version of the draw rules (ratios, officer pairing, conflicts, class criteria) as data."""

    __tablename__ = "inspection_rule_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionPlan(Base):
    """A plan of one body (a city or county bureau) for one period: quotas per class, items, optional campaign.

    ``quotas`` maps a class (or ``"campaign"``) to ``{"ratio": float | None, "count": int | None}``; the draw
    takes ``count`` when given, else ``ceil(ratio × objects of the class)``. ``organiser`` is the user who
    may see the drawn list before the inspection date.
    """

    __tablename__ = "inspection_plans"
    __table_args__ = (Index("ix_inspection_plans_body_period", "body_region_code", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default=PlanKind.REGULAR)
    body_region_code: Mapped[str] = mapped_column(String(12))
    body_level: Mapped[str] = mapped_column(String(10))  # city / county
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    inspect_from: Mapped[date] = mapped_column(Date)  # the window in which the planned dates fall
    inspect_to: Mapped[date] = mapped_column(Date)
    quotas: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    rule_set_version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=PlanStatus.DRAFT)
    organiser: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanItem(Base):
    """An inspection item a plan checks."""

    __tablename__ = "inspection_plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_items.id"))


class CampaignTarget(Base):
    """An object on a campaign plan's own target list (imported from xlsx or chosen from the directory)."""

    __tablename__ = "inspection_campaign_targets"
    __table_args__ = (UniqueConstraint("plan_id", "object_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_objects.id"))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Draw(Base):
    """A verifiable draw of a plan (see docs/inspection-draw.md).

    Before drawing, ``seed_commitment`` = sha256 of the secret seed and ``inputs_hash`` = sha256 of the
    canonical frozen ``inputs`` are recorded; ``seed`` stays secret (never shown) until ``revealed_at``.
    A redraw is a new row with ``redraw_of_id`` and ``redraw_reason``; the replaced draw is SUPERSEDED.
    """

    __tablename__ = "inspection_draws"
    __table_args__ = (UniqueConstraint("plan_id", "sequence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)  # 1 for the first draw of a plan, 2 for its first redraw…
    algorithm: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default=DrawStatus.COMMITTED)
    seed_commitment: Mapped[str] = mapped_column(String(64))
    inputs_hash: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    seed: Mapped[str] = mapped_column(String(64))  # hex; secret until revealed_at
    result_hash: Mapped[str | None] = mapped_column(String(64))
    redraw_of_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_draws.id"))
    redraw_reason: Mapped[str] = mapped_column(Text, default="")
    committed_by: Mapped[str] = mapped_column(String(100))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by: Mapped[str | None] = mapped_column(String(100))
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revealed_by: Mapped[str | None] = mapped_column(String(100))
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DrawAssignment(Base):
    """One drawn object with its two officers and planned inspection date (confidential until that date)."""

    __tablename__ = "inspection_draw_assignments"
    __table_args__ = (UniqueConstraint("draw_id", "object_id"),
                      Index("ix_inspection_draw_assignments_officers", "officer1_id", "officer2_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("inspection_draws.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the draw's result
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_objects.id"), index=True)
    object_class: Mapped[str] = mapped_column(String(10))  # the class as drawn
    officer1_id: Mapped[int] = mapped_column(ForeignKey("inspection_officers.id"))
    officer2_id: Mapped[int] = mapped_column(ForeignKey("inspection_officers.id"))
    planned_date: Mapped[date] = mapped_column(Date)
