"""Evidence files of an owner's library and their links to tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    """An evidence file in an owner's library; the bytes are stored once, by sha256, in the file store."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("owner", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(120))
    display_name: Mapped[str] = mapped_column(String(255))
    owner: Mapped[str] = mapped_column(String(100))
    enterprise_code: Mapped[str | None] = mapped_column(String(18), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskAttachment(Base):
    """Links an attachment to a task as evidence; one file may back several tasks."""

    __tablename__ = "task_attachments"
    __table_args__ = (UniqueConstraint("task_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("human_tasks.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    linked_by: Mapped[str] = mapped_column(String(100))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
