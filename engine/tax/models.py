"""Tax review requests (复核提请) and the environment side's answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


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
