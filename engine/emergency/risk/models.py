"""Risk assessments, the risk substances an enterprise stores, and the versioned risk rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class RiskAssessment(Base):
    """One environmental-risk assessment of an enterprise (HJ 941-2018); the latest sets the register's level."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    level: Mapped[str] = mapped_column(String(10))  # general / larger / major
    previous_level: Mapped[str] = mapped_column(String(10), default="")
    expression: Mapped[str] = mapped_column(String(200), default="")  # 较大[较大-大气(Q2-M1-E2)+一般-水(Q1-M1-E3)]
    q_value: Mapped[float | None] = mapped_column(Float)
    assessed_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RiskSubstance(Base):
    """A risk substance stored on site: its maximum quantity and the critical quantity it is measured against."""

    __tablename__ = "risk_substances"
    __table_args__ = (UniqueConstraint("enterprise_code", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_code: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(100))
    cas: Mapped[str] = mapped_column(String(20), default="", index=True)
    max_quantity_t: Mapped[float] = mapped_column(Float)
    critical_quantity_t: Mapped[float] = mapped_column(Float)
    critical_basis: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskRuleSet(Base):
    """One version of the risk rules (Q band limits, plan revision years), edited by administrators."""

    __tablename__ = "risk_rule_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
