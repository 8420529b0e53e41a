"""Scheduled work of the replays: ``replay_runs`` runs queued replays, one at a time (the web kicks it too)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from engine.replay import runs

MAX_PER_SWEEP = 10


def process_all(sessions: sessionmaker[Session], reads: sessionmaker[Session] | None = None) -> int:
    """Claim and run queued replays (and those whose runner died) until none is left; returns how many ran.

    The replays read through ``reads`` where given (the read replica's sessions,
    :func:`engine.db.read_sessions`); their records are written through ``sessions``.
    """
    ran = 0
    while ran < MAX_PER_SWEEP:
        with sessions.begin() as session:
            claimed = runs.claim(session)
        if claimed is None:
            return ran
        runs.execute(sessions, claimed, reads=reads)
        ran += 1
    return ran
