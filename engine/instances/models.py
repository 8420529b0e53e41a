"""Finished instances moved out of the hot tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ArchivedInstance(Base):
    """A finished instance moved out of the hot tables, kept as one JSON document.

    ``id`` is the instance's original id, so its audit events (which stay where
    they are, keeping the hash chain intact) still point at it. The columns that
    decide who may read it are kept as columns; everything else is in ``document``:
    the instance row with its workflow state, its task index rows, notes and evidence links.
    """

    __tablename__ = "archived_instances"
    __table_args__ = (Index("ix_archived_instances_region_code", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    process_key: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    enterprise_code: Mapped[str | None] = mapped_column(String(18), index=True)
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_by: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
