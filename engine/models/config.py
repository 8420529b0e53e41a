from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ProcessConfig(Base):
    """One version of a process's settings (deadlines, return rounds, routing); the newest applies.

    New instances start with the newest values in their data, so a change
    reaches work started after it without redeploying the model.
    """

    __tablename__ = "process_configs"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
