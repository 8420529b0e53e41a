"""What EcoLoop keeps about a person across log-ins: the interface language they chose and the name they go by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class UserPreference(Base):
    """One row per user name (local and directory accounts alike), written at log-in and when the person chooses.

    ``display_name`` is the name the account came with at its last log-in (the directory's ``displayName``),
    so histories show directory users by name, as they show local accounts.
    """

    __tablename__ = "user_preferences"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(10))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
