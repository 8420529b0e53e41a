"""The timer sweep on APScheduler: as its own process (``ecoloop scheduler``) or one guarded thread in the web.

The job table is declarative with stable ids; each job opens its own session
and commits per batch, so a crash loses at most the batch in flight (which the
next sweep fires, because its ``next_timer_at`` did not move).

Jobs: ``timer_sweep`` (every ``ECOLOOP_TIMER_SWEEP_SECONDS``), ``deadline_recompute``
(every 10 minutes: provisional deadlines whose year has been entered since, beyond the
first batch recomputed when the year is entered) and ``archive`` (daily at 02:30
Asia/Shanghai: finished instances older than ``ECOLOOP_ARCHIVE_AFTER_DAYS``).
Monitoring adds ``monitoring_missing_data``, ``monitoring_open_tasks`` and
``monitoring_minute_purge`` (see ``integrations/monitoring_jobs.py``); the notification
centre adds ``notifications`` (``integrations/notification_jobs.py``); the reports add
``monthly_reports`` and ``report_runs`` (``integrations/report_jobs.py``); run-state monitoring adds
``runstate_alerts`` and records every job's runs (``integrations/runstate_jobs.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import SYSTEM, Actor
from engine.services import deadlines, retention, timers
from integrations import monitoring_jobs, notification_jobs, report_jobs, runstate_jobs

log = logging.getLogger(__name__)

_started_lock = threading.Lock()
_started: BaseScheduler | None = None


def sweep_all(sessions: sessionmaker[Session], now: Callable[[], datetime] | None = None) -> int:
    """Fire every due timer, one committed batch at a time; returns how many instances were handled."""
    handled = 0
    while True:
        with sessions.begin() as session:
            batch = timers.sweep_batch(session, (now or _utcnow)())
        handled += len(batch)
        if len(batch) < timers.DEFAULT_BATCH:
            return handled


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _safe_sweep(sessions: sessionmaker[Session]) -> None:
    try:
        handled = sweep_all(sessions)
        if handled:
            log.info("timer sweep handled %d instances", handled)
    except Exception:  # a failing sweep must not stop the scheduler; the next run retries
        log.exception("timer sweep failed")


def archive_all(sessions: sessionmaker[Session], actor: Actor, older_than_days: int,
                batch: int = retention.DEFAULT_BATCH, now: datetime | None = None) -> tuple[int, int]:
    """Archive every finished instance older than the age, one committed batch at a time.

    :returns: how many were archived and how many were kept because other records still reference them.
    """
    archived, skipped, after_id = 0, 0, 0
    while True:
        with sessions.begin() as session:
            result = retention.archive_batch(session, actor, older_than_days, now=now, limit=batch, after_id=after_id)
        archived, skipped = archived + len(result.archived), skipped + len(result.skipped)
        handled = result.archived + list(result.skipped)
        if len(handled) < batch:
            return archived, skipped
        after_id = max(handled)


def _safe_archive(sessions: sessionmaker[Session], older_than_days: int) -> None:
    try:
        archived, skipped = archive_all(sessions, SYSTEM, older_than_days)
        log.info("archive: %d instances archived, %d kept (still referenced)", archived, skipped)
    except Exception:  # the next day retries
        log.exception("archive failed")


def recompute_all(sessions: sessionmaker[Session], actor: Actor = SYSTEM) -> int:
    """Recompute every settled provisional deadline, one committed batch of instances at a time."""
    recomputed = 0
    while True:
        with sessions.begin() as session:
            pending = deadlines.settled_pending(session)
            batch = deadlines.recompute_settled(session, actor, deadlines.RECOMPUTE_BATCH)
        recomputed += len(batch)
        if pending <= deadlines.RECOMPUTE_BATCH or not batch:
            return recomputed


def _safe_recompute(sessions: sessionmaker[Session]) -> None:
    try:
        recomputed = recompute_all(sessions)
        if recomputed:
            log.info("deadlines recomputed in %d instances", recomputed)
    except Exception:  # the next run retries
        log.exception("deadline recomputation failed")


def configure(scheduler: BaseScheduler, sessions: sessionmaker[Session], interval_seconds: int,
              archive_after_days: int = retention.DEFAULT_AFTER_DAYS) -> BaseScheduler:
    scheduler.add_job(
        _safe_sweep, "interval", seconds=interval_seconds, args=[sessions], id="timer_sweep",
        coalesce=True, max_instances=1, replace_existing=True, next_run_time=_utcnow(),
    )
    scheduler.add_job(
        _safe_recompute, "interval", minutes=10, args=[sessions], id="deadline_recompute",
        coalesce=True, max_instances=1, replace_existing=True,
    )
    scheduler.add_job(
        _safe_archive, "cron", hour=2, minute=30, args=[sessions, archive_after_days], id="archive",
        coalesce=True, max_instances=1, replace_existing=True,
    )
    monitoring_jobs.add_jobs(scheduler, sessions)
    notification_jobs.add_jobs(scheduler, sessions)
    report_jobs.add_jobs(scheduler, sessions)
    runstate_jobs.add_jobs(scheduler, sessions)
    runstate_jobs.record_runs(scheduler, sessions)
    return scheduler


def start_in_background(sessions: sessionmaker[Session], interval_seconds: int,
                        archive_after_days: int = retention.DEFAULT_AFTER_DAYS) -> BaseScheduler:
    """Start the sweep thread once per process; later calls return the running scheduler."""
    global _started
    with _started_lock:
        if _started is None:
            _started = configure(BackgroundScheduler(timezone="Asia/Shanghai"), sessions, interval_seconds,
                                 archive_after_days)
            _started.start()
            log.info("timer sweep running in this process every %ss", interval_seconds)
        return _started


def run_forever(sessions: sessionmaker[Session], interval_seconds: int,
                archive_after_days: int = retention.DEFAULT_AFTER_DAYS) -> None:
    """The ``ecoloop scheduler`` process: several may run; SKIP LOCKED keeps them from double-firing."""
    configure(BlockingScheduler(timezone="Asia/Shanghai"), sessions, interval_seconds, archive_after_days).start()
