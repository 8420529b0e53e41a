"""An inspection case per draw assignment (what was found, concluded and published) and its referral record."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class CaseStatus(StrEnum):
    DISPATCHED = "dispatched"  # sent to the officer pair, not inspected yet
    RECORDED = "recorded"  # the lead officer recorded the inspection; the second officer confirms
    INSPECTED = "inspected"  # both officers confirmed; with the section head
    REVIEWED = "reviewed"  # concluded; to be published
    FOLLOWING_UP = "following_up"  # published; correction ordered and not yet checked
    CLOSED = "closed"


class UnitStatus(StrEnum):
    OPERATING = "operating"
    CLOSED = "closed"  # 停产或关闭
    ABSENT = "absent"  # 查无此单位或无法进入


class Conclusion(StrEnum):
    NO_PROBLEM = "no_problem"  # 未发现问题
    CORRECT = "correct"  # 责令改正
    REFER = "refer"  # 移送立案查处
    NOT_INSPECTABLE = "not_inspectable"  # 停产/关闭/查无此单位


class InspectionCase(Base):
    """The inspection of one drawn object by its two officers, and everything that followed.

    ``checklist`` holds one entry per checklist point of the plan's items:
    ``{"item": code, "item_name", "point": index, "text", "result": ok|problem|na, "note"}``.
    The enterprise code reaches the process instance only once both officers confirmed the
    inspection (the drawn list is confidential until then).
    """

    __tablename__ = "inspection_cases"
    __table_args__ = (Index("ix_inspection_cases_region_status", "region_code", "status"),
                      Index("ix_inspection_cases_published", "published_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("inspection_draw_assignments.id"), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("inspection_objects.id"), index=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    unit_name: Mapped[str] = mapped_column(String(420))
    region_code: Mapped[str] = mapped_column(String(12))
    body_region_code: Mapped[str] = mapped_column(String(12))
    object_class: Mapped[str] = mapped_column(String(10))
    campaign: Mapped[bool] = mapped_column(Boolean, default=False)
    planned_date: Mapped[date] = mapped_column(Date)
    lead_officer_id: Mapped[int] = mapped_column(ForeignKey("inspection_officers.id"))
    second_officer_id: Mapped[int] = mapped_column(ForeignKey("inspection_officers.id"))
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.DISPATCHED)
    unit_status: Mapped[str | None] = mapped_column(String(12))
    problem_found: Mapped[bool | None] = mapped_column(Boolean)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    findings: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[int]] = mapped_column(JSON, default=list)
    inspected_by: Mapped[str | None] = mapped_column(String(100))
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclusion: Mapped[str | None] = mapped_column(String(20), index=True)
    correction_deadline: Mapped[date | None] = mapped_column(Date)
    follow_up_mode: Mapped[str | None] = mapped_column(String(30))
    review_opinion: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(100))
    public_summary: Mapped[str] = mapped_column(Text, default="")
    rectification: Mapped[str] = mapped_column(Text, default="")
    follow_up_result: Mapped[str | None] = mapped_column(String(20))
    follow_up_findings: Mapped[str] = mapped_column(Text, default="")
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InspectionReferral(Base):
    """The record of a case referred for a penalty case (移送立案), numbered per region and year."""

    __tablename__ = "inspection_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("inspection_cases.id"), unique=True)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)
    referred_to: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    referred_by: Mapped[str] = mapped_column(String(100))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
