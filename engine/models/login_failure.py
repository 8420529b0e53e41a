from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class LoginFailure(Base):
    """Consecutive failed log-ins of one account name, and until when it is locked.

    One row per account name (stripped and case-folded, as the directory
    compares logins without case); a successful log-in deletes it. Kept in the
    database so that every web worker sees the same count and the same lock.
    """

    __tablename__ = "login_failures"

    account: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
