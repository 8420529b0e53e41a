"""The audit trail's events and the head row that orders appends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime

GENESIS_HASH = "0" * 64  # what the first event chains to


class AuditEvent(Base):
    """One append-only audit event, chained to its predecessor by hash.

    ``seq`` is handed out from :class:`AuditChainHead` (not by the database), so
    the sequence has no gaps and a deleted row shows as a missing number.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The single row that holds the end of the chain; locking it orders concurrent appends.

    It keeps the last event's number and hash, and the hash that event chained to, so that an
    append takes all three in the statement that locks it. A deleted tail shows as a head beyond
    the last event.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64), server_default=GENESIS_HASH)
    prev_hash: Mapped[str] = mapped_column(String(64), server_default=GENESIS_HASH)
