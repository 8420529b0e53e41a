"""The one job table: every job has a stable id, coalesces and runs one at a time; triggers fire when stated."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import sessionmaker

from engine.config import load_settings
from web import scheduler

CHINA = timezone(timedelta(hours=8))
JOB_IDS = {"timer_sweep", "deadline_recompute", "archive", "monitoring_missing_data", "monitoring_open_tasks",
           "monitoring_minute_purge", "notifications", "monthly_reports", "report_runs", "runstate_alerts",
           "inspection_nightly"}


def _configured(**settings: str) -> dict[str, object]:
    configured = scheduler.configure(BackgroundScheduler(timezone="UTC"), sessionmaker(),
                                     load_settings(environ={}, overrides=settings))
    return {job.id: job for job in configured.get_jobs()}


def test_every_job_has_a_stable_id_coalesces_and_runs_one_at_a_time() -> None:
    jobs = _configured()
    assert set(jobs) == JOB_IDS
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())  # type: ignore[attr-defined]


def test_intervals_follow_the_settings() -> None:
    jobs = _configured(TIMER_SWEEP_SECONDS="7", MONITORING_MISSING_CHECK_MINUTES="3")
    assert jobs["timer_sweep"].trigger.interval == timedelta(seconds=7)  # type: ignore[attr-defined]
    assert jobs["monitoring_missing_data"].trigger.interval == timedelta(minutes=3)  # type: ignore[attr-defined]


def test_monthly_reports_fire_on_the_first_at_eight_shanghai() -> None:
    monthly = _configured()["monthly_reports"]
    fire = monthly.trigger.get_next_fire_time(None, datetime(2026, 11, 15, tzinfo=timezone.utc))  # type: ignore[attr-defined]
    assert fire.astimezone(CHINA).replace(tzinfo=None) == datetime(2026, 12, 1, 8, 0)


def test_the_archive_runs_daily_at_half_past_two_shanghai() -> None:
    archive = _configured()["archive"]
    fire = archive.trigger.get_next_fire_time(None, datetime(2026, 11, 15, 12, tzinfo=timezone.utc))  # type: ignore[attr-defined]
    assert fire.astimezone(CHINA).replace(tzinfo=None) == datetime(2026, 11, 16, 2, 30)
