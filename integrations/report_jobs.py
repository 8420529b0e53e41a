"""Scheduler jobs of the reports: ``monthly_reports`` (the 1st at 08:00 Asia/Shanghai queues the previous
month's 月报 for the province and every city) and ``report_runs`` (every 30 s: generate queued runs and
retry failed ones, one committed run at a time)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from engine.reports import runs

log = logging.getLogger(__name__)

MONTHLY_JOB_ID = "monthly_reports"
RUNS_JOB_ID = "report_runs"
RUNS_INTERVAL_SECONDS = 30
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


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _safe(job: Callable[[sessionmaker[Session]], int], sessions: sessionmaker[Session]) -> None:
    try:
        job(sessions)
    except Exception:  # the next run retries
        log.exception("report job %s failed", job.__name__)


def add_jobs(scheduler: BaseScheduler, sessions: sessionmaker[Session]) -> None:
    scheduler.add_job(
        _safe, "cron", day=1, hour=8, minute=0, timezone="Asia/Shanghai", args=[queue_and_process, sessions],
        id=MONTHLY_JOB_ID, coalesce=True, max_instances=1, replace_existing=True, misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        _safe, "interval", seconds=RUNS_INTERVAL_SECONDS, args=[process_all, sessions], id=RUNS_JOB_ID,
        coalesce=True, max_instances=1, replace_existing=True,
    )
