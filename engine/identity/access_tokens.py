"""People's bearer tokens: issued at API log-in, checked on every request, ended by log-out or an administrator.

The signed token (``web/api/bearer.py``) names a row here by its id. A request
is refused when the row is ended or expired, and when the account behind it is
disabled or gone (#21 item 15): :func:`check` asks :class:`AccountState` for
that, which answers from a cache of a few seconds at most.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.audit import trail as audit
from engine.actors import Actor
from engine.db import utcnow
from engine.errors import AuthenticationFailed, NotAllowed, NotFound
from engine.identity.models import AccessToken

log = logging.getLogger(__name__)

MAX_ID_LENGTH = 32
REFUSED = "访问令牌无效、已注销或账号已停用 (invalid, ended or disabled access token)"


def issue(session: Session, actor: Actor, lifetime: timedelta, client: str = "") -> AccessToken:
    """Record a new token for a person who just logged in; its id goes into the signed token."""
    now = utcnow()
    row = AccessToken(id=secrets.token_hex(16), username=actor.username, client=client[:64], issued_at=now,
                      expires_at=now + lifetime)
    session.add(row)
    session.flush()
    return row


class AccountState:
    """Whether an account may still act: local rows first, then the directory; answers cached ``ttl`` seconds."""

    def __init__(self, lookup: Callable[[str], bool], ttl: float = 5.0) -> None:
        self._lookup = lookup
        self._ttl = ttl
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def active(self, username: str) -> bool:
        now = time.monotonic()
        cached = self._cache.get(username)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        answer = self._lookup(username)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[username] = (now, answer)
        return answer

    def forget(self, username: str) -> None:
        with self._lock:
            self._cache.pop(username, None)


def check(session: Session, token_id: object, username: str, accounts: AccountState,
          now: datetime | None = None) -> None:
    """:raises AuthenticationFailed: the token is unknown, ended or expired, or its account may no longer act."""
    if not isinstance(token_id, str) or not 0 < len(token_id) <= MAX_ID_LENGTH:
        raise AuthenticationFailed(REFUSED)
    row = session.get(AccessToken, token_id)
    now = now or utcnow()
    if row is None or row.username != username or row.ended_at is not None or row.expires_at <= now:
        raise AuthenticationFailed(REFUSED)
    if not accounts.active(username):
        raise AuthenticationFailed(REFUSED)


def log_out(session: Session, actor: Actor, token_id: str) -> None:
    """End the caller's own token (``DELETE /api/v1/auth/token``)."""
    row = session.get(AccessToken, token_id)
    if row is None or row.username != actor.username or row.ended_at is not None:
        raise AuthenticationFailed(REFUSED)
    _end(row, actor.username, "logout")
    session.flush()
    audit.record(session, actor, "auth.token_logout", payload={"token": row.id[:8]})


def list_for_user(session: Session, actor: Actor, username: str) -> list[AccessToken]:
    """A person's tokens still in force, newest first (administrators only)."""
    _require_admin(actor)
    return list(session.scalars(
        select(AccessToken).where(AccessToken.username == username, AccessToken.ended_at.is_(None),
                                  AccessToken.expires_at > utcnow()).order_by(AccessToken.issued_at.desc())))


def end_for_user(session: Session, actor: Actor, username: str, token_id: str | None = None) -> int:
    """End one token of a person (or all, when ``token_id`` is None); audited. Returns how many ended.

    :raises NotFound: ``token_id`` names no open token of that person.
    """
    _require_admin(actor)
    if token_id is not None:
        row = session.get(AccessToken, token_id) if len(token_id) <= MAX_ID_LENGTH else None
        if row is None or row.username != username or row.ended_at is not None:
            raise NotFound(f"用户 {username} 没有编号为 {token_id[:32]} 的有效令牌 (no such open token)")
        _end(row, actor.username, "revoked")
        ended = 1
    else:
        ended = end_all(session, username, "revoked", by=actor.username)
    session.flush()
    audit.record(session, actor, "auth.token_revoke",
                 payload={"username": username, "token": token_id[:8] if token_id else None, "ended": ended})
    log.info("%s ended %d access token(s) of %s", actor.username, ended, username)
    return ended


def end_all(session: Session, username: str, reason: str, by: str = "system") -> int:
    """End every open token of a person (password changed or reset, account disabled); returns how many."""
    result = session.execute(
        update(AccessToken).where(AccessToken.username == username, AccessToken.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_by=by[:100], end_reason=reason[:20])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _end(row: AccessToken, by: str, reason: str) -> None:
    row.ended_at, row.ended_by, row.end_reason = utcnow(), by[:100], reason


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("only administrators manage other people's tokens")
