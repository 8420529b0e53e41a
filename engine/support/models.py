"""The technical support record (技术支持表)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


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
