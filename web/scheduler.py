"""Every scheduled job, in one table, on APScheduler: as its own process (``ecoloop scheduler``) or one
guarded thread in the web process for the embedded default.

The jobs' bodies live with their capability (``engine/<feature>/jobs.py``); this module
only says when each runs. Ids are stable; every job coalesces missed runs, runs one
instance at a time, opens its own sessions and commits per batch, and a failure is
logged and retried at the next run instead of stopping the scheduler.

| id | every | body |
|---|---|---|
| ``timer_sweep`` | ``ECOLOOP_TIMER_SWEEP_SECONDS`` | :func:`engine.workflow.jobs.sweep_all` |
| ``deadline_recompute`` | 10 minutes | :func:`engine.workflow.jobs.recompute_all` |
| ``archive`` | daily 02:30 Asia/Shanghai | :func:`engine.instances.jobs.archive_all` |
| ``monitoring_missing_data`` | ``ECOLOOP_MONITORING_MISSING_CHECK_MINUTES`` | :func:`engine.anomalies.jobs.run_missing_check` |
| ``monitoring_open_tasks`` | ``…_OPEN_TASKS_SECONDS`` | :func:`engine.anomalies.jobs.open_all` |
| ``monitoring_minute_purge`` | ``…_PURGE_HOURS`` | :func:`engine.monitoring.jobs.run_purge` |
| ``notifications`` | 60 s | :func:`engine.notifications.jobs.run_outbox` (mail through ``integrations.mail``) |
| ``monthly_reports`` | the 1st, 08:00 Asia/Shanghai | :func:`engine.reports.jobs.queue_and_process` |
| ``report_runs`` | 30 s | :func:`engine.reports.jobs.process_all` |
| ``runstate_alerts`` | 60 s | :func:`engine.alerts.jobs.check_alerts` |

Every run is recorded (``scheduler_job_runs``, one JSON line on ``ecoloop.jobs``) by
:func:`engine.alerts.jobs.run_recorded`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from engine.actors import SYSTEM
from engine.anomalies import jobs as anomaly_jobs
from engine.config import Settings
from engine.inspection import jobs as inspection_jobs
from engine.instances import jobs as instance_jobs
from engine.instances.retention import archive_after_days
from engine.monitoring import jobs as monitoring_jobs
from engine.monitoring.settings import MonitoringSettings
from engine.notifications import jobs as notification_jobs
from engine.reports import jobs as report_jobs
from engine.alerts import jobs as runstate_jobs
from engine.workflow import jobs as workflow_jobs
from integrations.mail import notifier_from

log = logging.getLogger(__name__)

TIMEZONE = "Asia/Shanghai"

_started_lock = threading.Lock()
_started: BaseScheduler | None = None


@dataclass(frozen=True)
class Job:
    """One row of the job table: a stable id, the body with its arguments, and the trigger."""

    id: str
    body: Callable[..., object]
    args: tuple[Any, ...]
    trigger: str
    when: dict[str, Any] = field(default_factory=dict)


def jobs(sessions: sessionmaker[Session], settings: Settings) -> list[Job]:
    """The job table for these settings."""
    monitoring = MonitoringSettings.from_raw(settings.raw)
    return [
        Job("timer_sweep", workflow_jobs.sweep_all, (sessions,), "interval",
            {"seconds": settings.timer_sweep_seconds, "next_run_time": _utcnow()}),
        Job("deadline_recompute", workflow_jobs.recompute_all, (sessions,), "interval", {"minutes": 10}),
        Job("archive", instance_jobs.archive_all, (sessions, SYSTEM, archive_after_days(settings.raw)), "cron",
            {"hour": 2, "minute": 30, "timezone": TIMEZONE}),
        Job("monitoring_missing_data", anomaly_jobs.run_missing_check, (sessions,), "interval",
            {"minutes": monitoring.missing_check_minutes}),
        Job("monitoring_open_tasks", anomaly_jobs.open_all, (sessions,), "interval",
            {"seconds": monitoring.open_tasks_seconds}),
        Job("monitoring_minute_purge", monitoring_jobs.run_purge, (sessions, monitoring), "interval",
            {"hours": monitoring.purge_hours, "next_run_time": _utcnow()}),
        Job("notifications", notification_jobs.run_outbox,
            (sessions, notifier_from(settings.raw), settings.base_url), "interval", {"seconds": 60}),
        Job("monthly_reports", report_jobs.queue_and_process, (sessions,), "cron",
            {"day": 1, "hour": 8, "minute": 0, "timezone": TIMEZONE, "misfire_grace_time": 6 * 3600}),
        Job("report_runs", report_jobs.process_all, (sessions,), "interval", {"seconds": 30}),
        Job("runstate_alerts", runstate_jobs.check_alerts, (sessions, settings.evidence_dir), "interval",
            {"seconds": 60}),
        Job("inspection_nightly", inspection_jobs.nightly, (sessions,), "cron",
            {"hour": 3, "minute": 10, "timezone": TIMEZONE}),
    ]


def configure(scheduler: BaseScheduler, sessions: sessionmaker[Session], settings: Settings) -> BaseScheduler:
    """Add every job of the table (``coalesce``, one instance each, replacing jobs of the same id)."""
    for job in jobs(sessions, settings):
        scheduler.add_job(_guarded(job.id, job.body, sessions), job.trigger, args=list(job.args), id=job.id,
                          coalesce=True, max_instances=1, replace_existing=True, **job.when)
    return scheduler


def start_in_background(sessions: sessionmaker[Session], settings: Settings) -> BaseScheduler:
    """Start the scheduler thread once per process; later calls return the running scheduler."""
    global _started
    with _started_lock:
        if _started is None:
            _started = configure(BackgroundScheduler(timezone=TIMEZONE), sessions, settings)
            _started.start()
            log.info("scheduler running in this process (timer sweep every %ss)", settings.timer_sweep_seconds)
        return _started


def run_forever(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The ``ecoloop scheduler`` process: several may run; SKIP LOCKED keeps them from double-firing."""
    configure(BlockingScheduler(timezone=TIMEZONE), sessions, settings).start()


def _guarded(name: str, body: Callable[..., object], sessions: sessionmaker[Session]) -> Callable[..., None]:
    def run(*args: object) -> None:
        try:
            result = runstate_jobs.run_recorded(sessions, name, body, *args)
            if result:
                log.info("%s done: %s", name, result)
        except Exception:  # a failing run must not stop the scheduler; the next run retries
            log.exception("%s failed", name)
    return run


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
