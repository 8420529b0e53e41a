"""The figures of the running platform, computed from the database and the evidence store when asked.

Every web node and scheduler shares the database, so figures read from it are the platform's,
not one process's: open and overdue tasks by process, completed tasks by process, the mail and
report queues, the last run of each scheduler job. The evidence store's free space is read from
the file system the store is on.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.notifications.models import DeliveryStatus, NotificationDelivery
from engine.workflow.models import HumanTask, TaskStatus
from engine.runstate.models import JobRun
from engine.reports.models import ReportRun, ReportStatus

TIMER_SWEEP_JOB = "timer_sweep"


@dataclass(frozen=True)
class Job:
    job_id: str
    last_started_at: datetime
    last_duration_seconds: float
    last_ok: bool
    runs: int
    failures: int
    age_seconds: float


@dataclass(frozen=True)
class Figures:
    """One reading; :meth:`levels` gives the figures thresholds apply to, by name."""

    at: datetime
    open_tasks: dict[str, int] = field(default_factory=dict)
    overdue_tasks: dict[str, int] = field(default_factory=dict)
    completed_tasks: dict[str, int] = field(default_factory=dict)
    mail_queue: int = 0
    mail_failed: int = 0
    report_queue: int = 0
    report_failed: int = 0
    jobs: list[Job] = field(default_factory=list)
    evidence_total_bytes: int = 0
    evidence_free_bytes: int = 0

    @property
    def evidence_free_percent(self) -> float:
        return 100.0 * self.evidence_free_bytes / self.evidence_total_bytes if self.evidence_total_bytes else 100.0

    @property
    def scheduler_lag_seconds(self) -> float | None:
        """Seconds since the timer sweep last started; None when it never ran."""
        return next((job.age_seconds for job in self.jobs if job.job_id == TIMER_SWEEP_JOB), None)

    def levels(self) -> dict[str, float]:
        """The figures thresholds are set on (a figure that cannot be known yet is left out)."""
        levels = {
            "overdue_tasks": float(sum(self.overdue_tasks.values())),
            "open_tasks": float(sum(self.open_tasks.values())),
            "mail_queue": float(self.mail_queue), "mail_failed": float(self.mail_failed),
            "report_queue": float(self.report_queue), "report_failed": float(self.report_failed),
            "failed_jobs": float(sum(1 for job in self.jobs if not job.last_ok)),
            "evidence_free_percent": round(self.evidence_free_percent, 2),
        }
        if self.scheduler_lag_seconds is not None:
            levels["scheduler_lag_seconds"] = round(self.scheduler_lag_seconds, 1)
        return levels


def read(session: Session, evidence_dir: Path, now: datetime) -> Figures:
    """Read every figure now (a handful of grouped counts; indexed columns only)."""
    total, free = _disk(evidence_dir)
    return Figures(
        at=now,
        open_tasks=_tasks_by_process(session, HumanTask.status == TaskStatus.READY),
        overdue_tasks=_tasks_by_process(session, HumanTask.status == TaskStatus.READY, HumanTask.due_at < now),
        completed_tasks=_tasks_by_process(session, HumanTask.status == TaskStatus.COMPLETED),
        mail_queue=_count(session, NotificationDelivery, NotificationDelivery.status == DeliveryStatus.PENDING),
        mail_failed=_count(session, NotificationDelivery, NotificationDelivery.status == DeliveryStatus.FAILED),
        report_queue=_count(session, ReportRun, ReportRun.status.in_([ReportStatus.QUEUED, ReportStatus.RUNNING])),
        report_failed=_count(session, ReportRun, ReportRun.status == ReportStatus.FAILED),
        jobs=_jobs(session, now),
        evidence_total_bytes=total, evidence_free_bytes=free,
    )


def _tasks_by_process(session: Session, *conditions: object) -> dict[str, int]:
    rows = session.execute(select(HumanTask.process_key, func.count()).where(*conditions)  # type: ignore[arg-type]
                           .group_by(HumanTask.process_key))
    return {key: int(count) for key, count in rows}


def _count(session: Session, model: type, *conditions: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)  # type: ignore[arg-type]


def _jobs(session: Session, now: datetime) -> list[Job]:
    return [Job(row.job_id, row.last_started_at, row.last_duration_seconds, row.last_ok, row.runs, row.failures,
                max(0.0, (now - row.last_started_at).total_seconds()))
            for row in session.scalars(select(JobRun).order_by(JobRun.job_id))]


def _disk(path: Path) -> tuple[int, int]:
    """Total and free bytes of the file system holding ``path`` (its nearest existing parent)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    return usage.total, usage.free
