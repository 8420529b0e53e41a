"""The timer sweep on APScheduler: as its own process (``ecoloop scheduler``) or one guarded thread in the web.

The job table is declarative with stable ids; each job opens its own session
and commits per batch, so a crash loses at most the batch in flight (which the
next sweep fires, because its ``next_timer_at`` did not move).
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

from engine.services import timers

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


def configure(scheduler: BaseScheduler, sessions: sessionmaker[Session], interval_seconds: int) -> BaseScheduler:
    scheduler.add_job(
        _safe_sweep, "interval", seconds=interval_seconds, args=[sessions], id="timer_sweep",
        coalesce=True, max_instances=1, replace_existing=True, next_run_time=_utcnow(),
    )
    return scheduler


def start_in_background(sessions: sessionmaker[Session], interval_seconds: int) -> BaseScheduler:
    """Start the sweep thread once per process; later calls return the running scheduler."""
    global _started
    with _started_lock:
        if _started is None:
            _started = configure(BackgroundScheduler(timezone="Asia/Shanghai"), sessions, interval_seconds)
            _started.start()
            log.info("timer sweep running in this process every %ss", interval_seconds)
        return _started


def run_forever(sessions: sessionmaker[Session], interval_seconds: int) -> None:
    """The ``ecoloop scheduler`` process: several may run; SKIP LOCKED keeps them from double-firing."""
    configure(BlockingScheduler(timezone="Asia/Shanghai"), sessions, interval_seconds).start()
