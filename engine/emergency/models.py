"""Emergency-plan filings (应急预案备案) and their numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


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
