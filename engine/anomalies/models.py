"""Referrals to enforcement (移交执法) that closed an anomaly's loop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
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
