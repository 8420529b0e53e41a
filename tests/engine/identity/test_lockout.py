"""Per-account lockout: counting, the window, the lock's end, reset on success, and the policy's settings."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from engine.actors import Role
from engine.audit.models import AuditEvent
from engine.config import ConfigError
from engine.db import utcnow
from engine.errors import AccountLocked, AuthenticationFailed
from engine.identity import local_users as users
from engine.identity import lockout
from engine.identity import login as identity
from engine.identity.lockout import LockoutPolicy
from engine.identity.models import LoginFailure

POLICY = LockoutPolicy(max_failures=3, window=timedelta(minutes=10), lockout=timedelta(minutes=5))
PASSWORD = "Zhengque-Mima-1"


@pytest.fixture
def reviewer(session: Session) -> str:
    users.create(session, "reviewer", PASSWORD, [Role.COUNTY_REVIEWER], region_code="440106")
    return "reviewer"


def attempt(session: Session, username: str, password: str) -> str:
    actor = identity.login(session, None, username, password, allow_demo=False, client="192.0.2.1", policy=POLICY)
    return actor.username


def fail(session: Session, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            attempt(session, username, "wrong")


def test_third_failure_locks_refuses_the_right_password_and_is_audited(session: Session, reviewer: str) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        fail(session, reviewer, 2)
        with pytest.raises(AccountLocked, match="连续失败 3 次"):
            attempt(session, reviewer, "wrong")
        with pytest.raises(AccountLocked, match="后重试") as caught:
            attempt(session, reviewer, PASSWORD)
        assert caught.value.details["retry_at"] == (utcnow() + POLICY.lockout).isoformat()
        clock.shift(POLICY.lockout + timedelta(seconds=1))
        assert attempt(session, reviewer, PASSWORD) == reviewer
    assert session.get(LoginFailure, reviewer) is None  # the success cleared the count
    events = session.scalars(select(AuditEvent).where(AuditEvent.actor == reviewer).order_by(AuditEvent.seq)).all()
    assert [(e.action, e.payload.get("reason"), e.payload.get("failures")) for e in events] == [
        ("auth.login_failed", "AuthenticationFailed", 1), ("auth.login_failed", "AuthenticationFailed", 2),
        ("auth.login_failed", "AuthenticationFailed", 3), ("auth.account_locked", None, 3),
        ("auth.login_failed", "AccountLocked", None), ("auth.login", None, None),
    ]


def test_success_clears_the_count(session: Session, reviewer: str) -> None:
    fail(session, reviewer, 2)
    assert attempt(session, reviewer, PASSWORD) == reviewer
    assert session.get(LoginFailure, reviewer) is None


def test_message_names_the_first_whole_minute_to_retry_in_beijing_time(session: Session) -> None:
    with time_machine.travel(datetime(2026, 11, 26, 2, 0, 30, tzinfo=timezone.utc), tick=False):
        count(session, "someone", 2)
        with pytest.raises(AccountLocked, match="请于 2026-11-26 10:06（北京时间）后重试"):
            attempt(session, "someone", "wrong")


def test_unknown_names_lock_like_real_ones_and_case_does_not_matter(session: Session) -> None:
    fail(session, "Ghost", 1)
    fail(session, " ghost", 1)
    with pytest.raises(AccountLocked):
        attempt(session, "GHOST ", "wrong")
    assert lockout.locked_until(session, "ghost") is not None


def count(session: Session, key: str, times: int) -> LoginFailure:
    for _ in range(times):
        row = lockout.record_failure(session, key, POLICY)
    return row


def test_failures_outside_the_window_start_a_new_count(session: Session) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        count(session, "reviewer", 2)
        clock.shift(POLICY.window + timedelta(seconds=1))
        row = count(session, "reviewer", 2)
        assert (row.failures, row.locked_until) == (2, None)


def test_a_lock_that_ended_starts_a_new_count(session: Session) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert count(session, "reviewer", 3).locked_until == utcnow() + POLICY.lockout
        clock.shift(POLICY.lockout + timedelta(seconds=1))
        assert lockout.locked_until(session, "reviewer") is None
        row = count(session, "reviewer", 1)
        assert (row.failures, row.locked_until) == (1, None)


def test_stale_rows_of_other_names_are_dropped(session: Session) -> None:
    with time_machine.travel(utcnow(), tick=False) as clock:
        count(session, "old-guess", 1)
        clock.shift(POLICY.window + POLICY.lockout + timedelta(seconds=1))
        count(session, "new-guess", 1)
    assert session.get(LoginFailure, "old-guess") is None
    assert session.get(LoginFailure, "new-guess") is not None


def test_policy_from_settings() -> None:
    assert LockoutPolicy.from_settings({}) == LockoutPolicy(5, timedelta(minutes=15), timedelta(minutes=15))
    policy = LockoutPolicy.from_settings({"LOGIN_MAX_FAILURES": "10", "LOGIN_FAILURE_WINDOW_MINUTES": "60",
                                          "LOGIN_LOCKOUT_MINUTES": "30"})
    assert policy == LockoutPolicy(10, timedelta(minutes=60), timedelta(minutes=30))


@pytest.mark.parametrize("value", ["0", "-1", "five", "1.5"])
def test_policy_refuses_bad_values_naming_the_key(value: str) -> None:
    with pytest.raises(ConfigError, match="ECOLOOP_LOGIN_MAX_FAILURES"):
        LockoutPolicy.from_settings({"LOGIN_MAX_FAILURES": value})


def test_concurrent_failures_are_all_counted(db_engine: Engine) -> None:
    """Two workers failing at once for a new name: one row, every failure counted, no duplicate-key error."""
    key, rounds = "race-target", 10
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(rounds):
                with Session(db_engine) as own, own.begin():
                    lockout.record_failure(own, key, LockoutPolicy(max_failures=1000))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        with Session(db_engine) as check:
            assert check.get(LoginFailure, key).failures == 2 * rounds  # type: ignore[union-attr]
    finally:
        with Session(db_engine) as cleanup, cleanup.begin():
            lockout.clear(cleanup, key)
