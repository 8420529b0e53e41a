from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class AccessToken(Base):
    """A person's short-lived bearer token (``POST /api/v1/auth/token``), kept so that it can be ended.

    The signed token carries this row's id (``jti``); a request whose row is
    ended, expired or missing is refused, so log-out, a password change and an
    administrator's revocation take effect at once.
    """

    __tablename__ = "access_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(100))
    end_reason: Mapped[str | None] = mapped_column(String(20))
