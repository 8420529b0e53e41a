"""Run-state monitoring (运行监控): the last run of each scheduler job, and the alerts thresholds opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class JobRun(Base):
    """One row per scheduler job id: its last run (by whichever scheduler process ran it) and its counts."""

    __tablename__ = "scheduler_job_runs"

    job_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_duration_seconds: Mapped[float] = mapped_column(Float)
    last_ok: Mapped[bool] = mapped_column(Boolean)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    host: Mapped[str] = mapped_column(String(100), default="")


class RunstateAlert(Base):
    """A threshold crossed: open until the figure is back within it (``cleared_at``)."""

    __tablename__ = "runstate_alerts"
    __table_args__ = (  # one open alert per figure, even with two schedulers evaluating at once
        Index("uq_runstate_alerts_open_figure", "figure", unique=True, postgresql_where=text("cleared_at IS NULL"),
              sqlite_where=text("cleared_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    figure: Mapped[str] = mapped_column(String(60), index=True)
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    config_version: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ticket_instance_id: Mapped[int | None] = mapped_column(Integer)
