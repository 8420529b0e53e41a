"""Scheduler jobs of automatic monitoring (stable ids; each run commits its own batches).

- ``monitoring_missing_data``: the missing-data rule for hourly slots past their deadline,
  then closure tasks for pending anomalies and conclusions of finished ones;
- ``monitoring_open_tasks``: closure tasks for anomalies still pending (the receiver opens
  them as it goes; this catches up after a crash or a failed start);
- ``monitoring_minute_purge``: real-time and minute data older than their retention, and
  monthly partitions created ahead (PostgreSQL).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.orm import Session, sessionmaker

from engine.config import load_settings
from engine.anomalies import cases
from engine.monitoring import closures, missing, store
from engine.monitoring.settings import MonitoringSettings

log = logging.getLogger(__name__)

JOB_IDS = ("monitoring_missing_data", "monitoring_open_tasks", "monitoring_minute_purge")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def open_all(sessions: sessionmaker[Session]) -> int:
    """Open or join the tasks of every pending anomaly, one committed batch at a time."""
    handled = 0
    while True:
        with sessions.begin() as session:
            report = cases.open_pending(session)
        handled += report.handled
        if report.handled < cases.DEFAULT_BATCH:
            return handled


def run_missing_check(sessions: sessionmaker[Session], now: datetime | None = None) -> int:
    with sessions.begin() as session:
        found = missing.check_missing(session, now or _now())
    open_all(sessions)
    with sessions.begin() as session:
        closures.sync_closed_cases(session)
    return found


def run_purge(sessions: sessionmaker[Session], settings: MonitoringSettings, now: datetime | None = None) -> int:
    now = now or _now()
    with sessions.begin() as session:
        deleted = store.purge_minute_data(
            session, realtime_before=now - timedelta(days=settings.realtime_retention_days),
            minute_before=now - timedelta(days=settings.minute_retention_days))
    with sessions.begin() as session:
        store.ensure_partitions(session, now)
    return deleted


def _guarded(name: str, job: Callable[..., object]) -> Callable[..., None]:
    def run(*args: object) -> None:
        try:
            result = job(*args)
            log.info("%s done: %s", name, result)
        except Exception:  # a failing run must not stop the scheduler; the next run retries
            log.exception("%s failed", name)
    return run


def add_jobs(scheduler: BaseScheduler, sessions: sessionmaker[Session],
             settings: MonitoringSettings | None = None) -> None:
    """Add the monitoring jobs (``coalesce``, one instance each, replacing jobs of the same id)."""
    settings = settings or MonitoringSettings.from_raw(load_settings().raw)
    common = {"coalesce": True, "max_instances": 1, "replace_existing": True}
    scheduler.add_job(_guarded("monitoring_missing_data", run_missing_check), "interval",
                      minutes=settings.missing_check_minutes, args=[sessions], id=JOB_IDS[0], **common)
    scheduler.add_job(_guarded("monitoring_open_tasks", open_all), "interval",
                      seconds=settings.open_tasks_seconds, args=[sessions], id=JOB_IDS[1], **common)
    scheduler.add_job(_guarded("monitoring_minute_purge", run_purge), "interval", hours=settings.purge_hours,
                      args=[sessions, settings], id=JOB_IDS[2], next_run_time=_now(), **common)
