"""A person's own choices that follow them from browser to browser (the interface language)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class UserPreference(Base):
    """One row per user name (local and directory accounts alike), written when the person changes a choice."""

    __tablename__ = "user_preferences"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
