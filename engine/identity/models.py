"""Local accounts, browser sessions, failed log-ins, API tokens, people's bearer tokens, password history
and what is kept about a person across log-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


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


class LocalUser(Base):
    """A local account: the embedded default's users and the break-glass admin when LDAP is down."""

    __tablename__ = "local_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list[str]] = mapped_column(JSON)
    region_code: Mapped[str | None] = mapped_column(String(12))
    enterprise_code: Mapped[str | None] = mapped_column(String(18))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Base):
    """A browser log-in, kept on the server so that log-out and idle expiry end it for good.

    The signed cookie only names the session; a request whose session has ended is
    anonymous even if it still carries an older cookie (a copied cookie, or a
    response of a request that was in flight while the user logged out).
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    client: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))


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


class PasswordHistory(Base):
    """A former password hash of a local account (argon2), so that the last few are not reused."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserPreference(Base):
    """One row per user name (local and directory accounts alike), written at log-in and when the person chooses.

    ``display_name`` is the name the account came with at its last log-in (the directory's ``displayName``),
    so histories show directory users by name, as they show local accounts.
    """

    __tablename__ = "user_preferences"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(10))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
