from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ProcessModel(Base):
    """One deployed version of a BPMN process with the form definitions it references.

    Several versions live side by side; new instances take the active one and a
    running instance stays on the version it started with.
    """

    __tablename__ = "process_models"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    deployed_by: Mapped[str] = mapped_column(String(100))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
