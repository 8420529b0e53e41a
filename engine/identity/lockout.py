"""Per-account lockout after repeated failed log-ins.

The count lives in a small table of its own (``login_failures``, one row per
account name) rather than being counted from ``auth.login_failed`` audit
events: a log-in reads it with one primary-key lookup under a row lock, a
success resets it by deleting the row (audit events are never deleted), and it
is keyed by the case-folded name, as the directory compares logins without
case. Being in the database, the count and the lock hold across web workers.

Unknown names are counted and locked like real ones, so a lock reveals nothing
about which accounts exist. Every failure before the lock is audited by
:mod:`engine.identity.login`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.config import ConfigError
from engine.db import is_postgres, utcnow
from engine.identity.models import LoginFailure

ACCOUNT_KEY_LENGTH = 100


@dataclass(frozen=True)
class LockoutPolicy:
    """``max_failures`` consecutive failures within ``window`` lock the account for ``lockout``."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, raw: Mapping[str, str]) -> LockoutPolicy:
        """Read ``ECOLOOP_LOGIN_MAX_FAILURES``, ``…_FAILURE_WINDOW_MINUTES`` and ``…_LOCKOUT_MINUTES``.

        :raises ConfigError: naming a key that is not a positive whole number.
        """
        default = cls()
        return cls(
            max_failures=_positive(raw, "LOGIN_MAX_FAILURES", default.max_failures),
            window=timedelta(minutes=_positive(raw, "LOGIN_FAILURE_WINDOW_MINUTES", _minutes(default.window))),
            lockout=timedelta(minutes=_positive(raw, "LOGIN_LOCKOUT_MINUTES", _minutes(default.lockout))),
        )


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def _positive(raw: Mapping[str, str], key: str, default: int) -> int:
    text = raw.get(key, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"ECOLOOP_{key} must be a whole number of at least 1, not {text!r}")
    return int(text)


def account_key(username: str) -> str:
    return username.strip().casefold()[:ACCOUNT_KEY_LENGTH]


def locked_until(session: Session, key: str, now: datetime | None = None) -> datetime | None:
    """When the account's lock ends, or None when it is not locked."""
    now = now or utcnow()
    until = session.scalar(select(LoginFailure.locked_until).where(LoginFailure.account == key))
    return until if until is not None and until > now else None


def record_failure(session: Session, key: str, policy: LockoutPolicy, now: datetime | None = None) -> LoginFailure:
    """Count one failure; the row comes back with ``locked_until`` set when this one locks the account."""
    now = now or utcnow()
    row = _locked_row(session, key, now)
    expired_lock = row.locked_until is not None and row.locked_until <= now
    if expired_lock or now - row.first_failed_at > policy.window:
        row.failures, row.first_failed_at, row.locked_until = 0, now, None
    row.failures += 1
    row.last_failed_at = now
    if row.failures >= policy.max_failures:
        row.locked_until = now + policy.lockout
    _forget_stale(session, key, now - policy.window - policy.lockout)
    session.flush()
    return row


def clear(session: Session, key: str) -> None:
    """A successful log-in starts the count again."""
    session.execute(delete(LoginFailure).where(LoginFailure.account == key))


def _locked_row(session: Session, key: str, now: datetime) -> LoginFailure:
    """The account's row, created if missing, locked until the transaction ends (two workers never both miss)."""
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    session.execute(
        insert(LoginFailure)
        .values(account=key, failures=0, first_failed_at=now, last_failed_at=now)
        .on_conflict_do_nothing(index_elements=["account"])
    )
    return session.scalars(
        select(LoginFailure).where(LoginFailure.account == key).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _forget_stale(session: Session, key: str, before: datetime) -> None:
    """Drop rows of other names whose failures and locks are long over, so guessed names do not pile up."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.account != key, LoginFailure.last_failed_at < before)
        .execution_options(synchronize_session=False)
    )
