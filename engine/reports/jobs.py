"""Scheduled work of the reports: ``monthly_reports`` (the 1st at 08:00 Asia/Shanghai queues the previous
month's 月报 for the province and every city), ``emergency_monthly_reports`` (the same for the
省级环境应急业务数据月报, xlsx and PDF) and ``report_runs`` (generate queued runs and retry failed
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
                      reads: sessionmaker[Session] | None = None, kinds: tuple[str, ...] = runs.MONTHLY_KINDS) -> int:
    """On the 1st: queue the previous month's reports of ``kinds`` for the province and each city, then generate."""
    with sessions.begin() as session:
        queued = runs.queue_monthly(session, (now or _utcnow)(), kinds)
    log.info("monthly reports %s: %d runs queued", "/".join(kinds), len(queued))
    return process_all(sessions, now, reads)


def queue_emergency_monthly(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None,
                            reads: sessionmaker[Session] | None = None) -> int:
    """The 省级环境应急业务数据月报 of the previous month (its own job, half an hour after the general 月报)."""
    return queue_and_process(sessions, now, reads, runs.EMERGENCY_MONTHLY_KINDS)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
