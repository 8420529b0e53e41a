"""In-app notifications (通知中心), their read marks, e-mail preferences and the mail outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class NotificationKind(StrEnum):
    TASK_NEW = "task_new"  # 新待办
    TASK_RETURNED = "task_returned"  # 被退回
    TASK_URGED = "task_urged"  # 催办
    DEADLINE_SOON = "deadline_soon"  # 24 小时内到期
    DECISION = "decision"  # 办结结果
    COPY = "copy"  # 抄送
    DELEGATED = "delegated"  # 委派征求意见
    RUNSTATE_ALERT = "runstate_alert"  # 运行告警 (engine/alerts/thresholds.py)
    EXCHANGE_ALERT = "exchange_alert"  # 涉税交换告警 (engine/exchange/watch.py)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_scope", "role", "region_code"),
        Index("ix_notifications_task_kind", "task_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    recipient: Mapped[str | None] = mapped_column(String(100), index=True)
    role: Mapped[str | None] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18), index=True)
    source_seq: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class NotificationRead(Base):
    __tablename__ = "notification_reads"
    __table_args__ = (UniqueConstraint("notification_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationPreference(Base):
    """A person's e-mail address for notifications, with the scope they held when they saved it."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    region_code: Mapped[str | None] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationDelivery(Base):
    """The mail outbox: one row per notification and address, sent after the creating transaction commits."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_status", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationCursor(Base):
    """The single row recording the last audit event turned into notifications (locked while projecting)."""

    __tablename__ = "notification_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
