from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class TaskStatus(StrEnum):
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class HumanTask(Base):
    """The index of user tasks: one row per ready or finished human step.

    Written in the same transaction as the workflow state it mirrors, so lists
    and permission checks never need to load a workflow.
    """

    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_role_status_region", "role", "status", "region_code"),
        Index("ix_human_tasks_enterprise_status", "enterprise_code", "status"),
        Index("ix_human_tasks_completed_by", "completed_by"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    spec_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    form_key: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.READY)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(60))
    opinion: Mapped[str | None] = mapped_column(Text)
    submitted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
