"""Scheduled work of the reports: ``monthly_reports`` (the 1st at 08:00 Asia/Shanghai queues the previous
month's 月报 for the province and every city), ``emergency_monthly_reports`` (the same for the
省级环境应急业务数据月报, xlsx and PDF) and ``report_runs`` (generate queued runs and retry failed
ones, one committed run at a time)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.reports import runs

log = logging.getLogger(__name__)

MAX_PER_SWEEP = 50


def process_all(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> int:
    """Generate pending runs, each in its own transaction; returns how many were attempted."""
    attempted = 0
    while attempted < MAX_PER_SWEEP:
        with sessions.begin() as session:
            batch = runs.pending(session, (now or _utcnow)(), limit=1)
            for run in batch:
                runs.generate(session, run)
        if not batch:
            return attempted
        attempted += 1
    return attempted


def queue_and_process(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> int:
    with sessions.begin() as session:
        queued = runs.queue_monthly(session, (now or _utcnow)())
    log.info("monthly reports: %d runs queued", len(queued))
    return process_all(sessions, now)


def queue_emergency_monthly(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> int:
    """Queue the previous month's 省级环境应急业务数据月报 for the province and each city, then generate."""
    with sessions.begin() as session:
        queued = runs.queue_monthly(session, (now or _utcnow)(), runs.EMERGENCY_MONTHLY_KINDS)
    log.info("emergency monthly reports: %d runs queued", len(queued))
    return process_all(sessions, now)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
