from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class ApiToken(Base):
    """A machine client's API token: one role (and region or credit code) it acts with, revocable.

    Only the sha256 of the secret is stored. The secret carries 256 random bits,
    so a fast hash is as safe as a slow one against guessing, and a request is
    checked with one indexed lookup. ``prefix`` (the secret's first characters)
    lets an operator tell tokens apart without the secret.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))

    @property
    def username(self) -> str:
        """The name the token's actions carry in the audit trail."""
        return f"token:{self.name}"


class IdempotencyRecord(Base):
    """The first response to a POST sent with an ``Idempotency-Key``, kept per caller until it expires.

    The row is inserted when the request starts and filled in, in the same
    transaction, when it succeeds: a retry finds the stored response, and a
    concurrent duplicate waits on the unique key and then finds it too.
    """

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
