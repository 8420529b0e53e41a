"""Drafts of the anomaly rule set and the replays run with them (预演记录)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engine.db import Base, UTCDateTime, utcnow
from engine.monitoring.models import JSONType


class RuleDraft(Base):
    """A proposed rule set: changed rule and settings groups, per-factor overrides by MN and factor code.

    ``activated_at`` is set when it went live (by :func:`engine.replay.activation.activate`).
    """

    __tablename__ = "rule_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rules: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    factors: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(100))


class ReplayStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = (ReplayStatus.DONE, ReplayStatus.FAILED, ReplayStatus.CANCELLED)


class ReplayRun(Base):
    """One replay: who asked, the draft as it was then, period, scope, progress, summary and detail."""

    __tablename__ = "replay_runs"
    __table_args__ = (Index("ix_replay_runs_status_requested_at", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("rule_drafts.id"), index=True)
    draft: Mapped[dict[str, Any]] = mapped_column(JSONType)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    scope_kind: Mapped[str] = mapped_column(String(12))
    scope_code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=ReplayStatus.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the runner's last progress
    error: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    detail: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSONType))
