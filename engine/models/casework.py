"""Domain records the supervision processes leave behind: enforcement referrals, tax review
requests and answers, emergency-plan filings, support tickets. (Anomaly cases and their
conclusions live in :mod:`engine.models.monitoring`.)

Each row names the process instance that carries it (``instance_id``, no foreign key: the record
outlives the retention of finished instances). The current step of an open case is read from the
task index; these rows keep what the process decided.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class EnforcementReferral(Base):
    """A referral to enforcement (移交执法) that closed an anomaly's loop."""

    __tablename__ = "enforcement_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference_no: Mapped[str] = mapped_column(String(40), unique=True)
    instance_id: Mapped[int] = mapped_column(Integer, index=True)
    anomaly_case_id: Mapped[int | None] = mapped_column(Integer)  # the monitoring side's case, when there is one
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(12))
    opinion: Mapped[str] = mapped_column(Text, default="")
    referred_by: Mapped[str] = mapped_column(String(100))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaxReview(Base):
    """A tax department's review request (复核提请) and the environment side's answer (复核反馈)."""

    __tablename__ = "tax_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_no: Mapped[str] = mapped_column(String(60), unique=True)
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    tax_period: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(String(30))
    reported: Mapped[Any] = mapped_column(JSON)
    monitoring_figures: Mapped[Any] = mapped_column(JSON, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conclusion: Mapped[str | None] = mapped_column(String(40))
    opinion: Mapped[str] = mapped_column(Text, default="")
    reviewed: Mapped[Any] = mapped_column(JSON, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmergencyPlanFiling(Base):
    """An emergency plan filing (应急预案备案) and, once complete, its filing number."""

    __tablename__ = "emergency_plan_filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    plan_name: Mapped[str] = mapped_column(String(200), default="")
    risk_level: Mapped[str | None] = mapped_column(String(10))
    cross_region: Mapped[bool] = mapped_column(Boolean, default=False)
    documents: Mapped[list[int]] = mapped_column(JSON, default=list)
    missing_items: Mapped[str] = mapped_column(Text, default="")
    return_rounds: Mapped[int] = mapped_column(Integer, default=0)
    filing_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    filed_by: Mapped[str | None] = mapped_column(String(100))
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupportTicket(Base):
    """A technical support ticket (技术支持工单): one line of the department's 技术支持表."""

    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_no: Mapped[str] = mapped_column(String(20), unique=True)
    instance_id: Mapped[int] = mapped_column(Integer, unique=True)
    subsystem: Mapped[str] = mapped_column(String(60), index=True)
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str] = mapped_column(String(100), index=True)
    contact: Mapped[str] = mapped_column(String(100), default="")
    region_code: Mapped[str] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    status: Mapped[str] = mapped_column(String(20), default="open")
    category: Mapped[str | None] = mapped_column(String(30))
    priority: Mapped[str | None] = mapped_column(String(10))
    handler: Mapped[str | None] = mapped_column(String(100))
    cause: Mapped[str | None] = mapped_column(String(30))
    findings: Mapped[str] = mapped_column(Text, default="")
    vendor: Mapped[str | None] = mapped_column(String(100))
    vendor_ref: Mapped[str | None] = mapped_column(String(60))
    resolution: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    auto_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
