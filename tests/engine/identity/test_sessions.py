"""Server-side sessions: open while used, ended by log-out, idleness or disabling the account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent
from engine.db import utcnow
from engine.identity import sessions as user_sessions
from tests.support.actors import COUNTY_TIANHE

IDLE = timedelta(minutes=30)


def test_a_session_lives_while_used_and_ends_at_logout(session: Session) -> None:
    sid = user_sessions.start(session, COUNTY_TIANHE, "127.0.0.1")
    assert user_sessions.active(session, sid, IDLE)
    user_sessions.end(session, sid)
    assert not user_sessions.active(session, sid, IDLE)


def test_an_idle_session_ends_and_is_audited(session: Session) -> None:
    sid = user_sessions.start(session, COUNTY_TIANHE, "127.0.0.1")
    later = utcnow() + IDLE + timedelta(seconds=1)
    assert not user_sessions.active(session, sid, IDLE, now=later)
    assert not user_sessions.active(session, sid, IDLE)  # ended for good, not just stale
    reasons = [e.payload["reason"] for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.session_end"))]
    assert reasons[-1] == "idle"


def test_use_keeps_a_session_alive(session: Session) -> None:
    sid = user_sessions.start(session, COUNTY_TIANHE, "127.0.0.1")
    halfway = utcnow() + timedelta(minutes=20)
    assert user_sessions.active(session, sid, IDLE, now=halfway)
    assert user_sessions.active(session, sid, IDLE, now=halfway + timedelta(minutes=20))


def test_disabling_ends_every_session_of_the_user(session: Session) -> None:
    first = user_sessions.start(session, COUNTY_TIANHE, "a")
    second = user_sessions.start(session, COUNTY_TIANHE, "b")
    assert user_sessions.end_all(session, COUNTY_TIANHE.username, "disabled") == 2
    assert not user_sessions.active(session, first, IDLE) and not user_sessions.active(session, second, IDLE)


def test_forged_ids_are_not_sessions(session: Session) -> None:
    for forged in (None, "", "x" * 65, 12, "no-such-session"):
        assert not user_sessions.active(session, forged, IDLE)
