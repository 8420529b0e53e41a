"""Server-side browser sessions: started at log-in, touched while used, ended by log-out or idleness."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import trail as audit
from engine.db import utcnow
from engine.identity.models import UserSession

TOUCH_EVERY = timedelta(minutes=1)  # write last_seen_at at most this often
MAX_ID_LENGTH = 64


def start(session: Session, actor: Actor, client: str) -> str:
    """Open a session for a successful log-in; returns the id the cookie carries."""
    row = UserSession(id=secrets.token_urlsafe(32), username=actor.username, client=client[:64])
    session.add(row)
    session.flush()
    return row.id


def active(session: Session, session_id: object, idle: timedelta, now: datetime | None = None) -> bool:
    """Whether the session is open and was used within ``idle``; an idle one is ended here."""
    if not isinstance(session_id, str) or not session_id or len(session_id) > MAX_ID_LENGTH:
        return False
    row = session.get(UserSession, session_id)
    if row is None or row.ended_at is not None:
        return False
    now = now or utcnow()
    if now - row.last_seen_at > idle:
        _end(session, row, "idle", now)
        return False
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return True


def end(session: Session, session_id: object, reason: str = "logout") -> None:
    """End a session (log-out); unknown or already ended ids are ignored."""
    if isinstance(session_id, str) and 0 < len(session_id) <= MAX_ID_LENGTH:
        row = session.get(UserSession, session_id)
        if row is not None and row.ended_at is None:
            _end(session, row, reason, utcnow())


def end_all(session: Session, username: str, reason: str) -> int:
    """End every open session of a user (account disabled, roles changed); returns how many."""
    result = session.execute(
        update(UserSession).where(UserSession.username == username, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:20])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _end(session: Session, row: UserSession, reason: str, now: datetime) -> None:
    row.ended_at, row.end_reason = now, reason
    session.flush()
    audit.record(session, row.username, "auth.session_end", payload={"reason": reason})
