"""What the department keeps about the tax side's data: match resolutions, rule versions, findings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class RecordKind(StrEnum):
    TAXPAYER = "taxpayer"
    TAX_SOURCE = "tax_source"


class Resolution(StrEnum):
    LINKED = "linked"  # a reviewer named the enterprise (and, for a tax source, the monitoring point)
    NOT_REGULATED = "not_regulated"  # not a unit the department regulates (no permit, no monitoring duty)


class MatchLink(Base):
    """A reviewer's resolution of a tax-side record the credit code or outlet code did not match."""

    __tablename__ = "exchange_match_links"
    __table_args__ = (UniqueConstraint("record_kind", "record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_key: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    resolution: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    point_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_points.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str] = mapped_column(String(100))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckRuleVersion(Base):
    """One version of all data-inspection rule parameters (version 0 is the shipped default, never stored)."""

    __tablename__ = "exchange_check_rule_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FindingStatus(StrEnum):
    OPEN = "open"  # found, not yet sent to verification
    VERIFYING = "verifying"  # a tax_data_verification instance runs
    CONFIRMED = "confirmed"  # the county confirmed the problem
    DISMISSED = "dismissed"  # the county found the data in order
    CLEARED = "cleared"  # a later run of the rules no longer finds it (corrected data)


class Finding(Base):
    """One data-inspection finding: a rule, a month and the record it is about (unique, so reruns add nothing)."""

    __tablename__ = "exchange_findings"
    __table_args__ = (UniqueConstraint("rule", "period", "subject_key"),
                      Index("ix_exchange_findings_period_region", "period", "region_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    subject_key: Mapped[str] = mapped_column(String(200))
    taxpayer_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12))
    outlet_code: Mapped[str] = mapped_column(String(40), default="")
    pollutant: Mapped[str] = mapped_column(String(20), default="")
    declared: Mapped[float | None] = mapped_column()
    observed: Mapped[float | None] = mapped_column()
    limit: Mapped[float | None] = mapped_column()
    rule_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=FindingStatus.OPEN)
    instance_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    conclusion: Mapped[str | None] = mapped_column(String(40))
    opinion: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MonitoredMonth(Base):
    """The month's automatic-monitoring figures of one point and factor, as the inspection rules compare them
    (computed by :func:`engine.monitoring.monthly.point_figures`, see :mod:`engine.exchange.datacheck.monitored`)."""

    __tablename__ = "exchange_monitored_months"
    __table_args__ = (UniqueConstraint("month", "point_id", "factor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    point_id: Mapped[int] = mapped_column(Integer, index=True)
    factor: Mapped[str] = mapped_column(String(20))
    mean_concentration: Mapped[float | None] = mapped_column()
    emission_kg: Mapped[float | None] = mapped_column()
    valid_days: Mapped[int] = mapped_column(Integer, default=0)
    periods: Mapped[int] = mapped_column(Integer, default=0)  # valid hourly (air) or daily (water) values
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
