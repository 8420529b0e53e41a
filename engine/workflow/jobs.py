"""Scheduled work of the process engine: the timer sweep and the recomputation of settled deadlines.

Each function is a job's body: it commits one batch at a time in sessions of its own,
so a crash loses at most the batch in flight (the next run fires what did not move).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.actors import SYSTEM, Actor
from engine.workflow import recompute, timers


def sweep_all(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> int:
    """Fire every due timer, one committed batch at a time; returns how many instances were handled."""
    handled = 0
    while True:
        with sessions.begin() as session:
            batch = timers.sweep_batch(session, (now or _utcnow)())
        handled += len(batch)
        if len(batch) < timers.DEFAULT_BATCH:
            return handled


def recompute_all(sessions: sessionmaker[Session], actor: Actor = SYSTEM) -> int:
    """Recompute every settled provisional deadline, one committed batch of instances at a time."""
    recomputed = 0
    while True:
        with sessions.begin() as session:
            pending = recompute.settled_pending(session)
            batch = recompute.recompute_settled(session, actor, recompute.RECOMPUTE_BATCH)
        recomputed += len(batch)
        if pending <= recompute.RECOMPUTE_BATCH or not batch:
            return recomputed


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
