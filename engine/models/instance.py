from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class InstanceStatus(StrEnum):
    RUNNING = "running"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class ProcessInstance(Base):
    """A running or finished process with its serialized SpiffWorkflow state.

    ``state`` holds the workflow without its spec (the spec is rebuilt once per
    model version from ``process_models.bpmn_xml``). ``version`` is the
    optimistic lock; ``next_timer_at`` lets the timer sweep find due instances
    without loading any workflow.
    """

    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_process_instances_region_status", "region_code", "status"),
        Index("ix_process_instances_enterprise_status", "enterprise_code", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    model_version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), default=InstanceStatus.RUNNING)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    started_by: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}
