"""Scheduled work of the reports: ``monthly_reports`` (the 1st at 08:00 Asia/Shanghai queues the previous
month's 月报 for the province and every city) and ``report_runs`` (generate queued runs and retry failed
ones, one committed run at a time)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.reports import runs

log = logging.getLogger(__name__)

MAX_PER_SWEEP = 50


def process_all(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None,
                reads: sessionmaker[Session] | None = None) -> int:
    """Generate pending runs, each in its own transaction; returns how many were attempted.

    The runs are written through ``sessions`` (the primary); their files are built from ``reads``
    where given (the read replica's sessions, :func:`engine.db.read_sessions`).
    """
    attempted = 0
    while attempted < MAX_PER_SWEEP:
        with sessions.begin() as session:
            batch = runs.pending(session, (now or _utcnow)(), limit=1)
            for run in batch:
                with _reader(session, sessions, reads) as reader:
                    runs.generate(session, run, reader=reader)
        if not batch:
            return attempted
        attempted += 1
    return attempted


@contextmanager
def _reader(session: Session, sessions: sessionmaker[Session], reads: sessionmaker[Session] | None
            ) -> Iterator[Session]:
    """The session a report is built from: a replica session of its own, or the run's own session."""
    if reads is None or reads is sessions:
        yield session
        return
    with reads() as reader:
        yield reader


def queue_and_process(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None,
                      reads: sessionmaker[Session] | None = None) -> int:
    with sessions.begin() as session:
        queued = runs.queue_monthly(session, (now or _utcnow)())
    log.info("monthly reports: %d runs queued", len(queued))
    return process_all(sessions, now, reads)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
