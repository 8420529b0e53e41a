"""A reviewer's or enterprise clerk's unfinished work on a task: drafts saved with 暂存."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class TaskDraft(Base):
    """The form data a person saved for a ready task without submitting it (one per task and person)."""

    __tablename__ = "task_drafts"
    __table_args__ = (UniqueConstraint("task_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
