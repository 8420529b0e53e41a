"""Run-state monitoring in the scheduler: every job's run recorded, and the alert job (stable id ``runstate_alerts``).

:func:`record_runs` wraps each job of a configured scheduler so that a run writes its start,
duration and outcome to ``scheduler_job_runs`` (read by ``/metrics`` and the 运行监控 page,
whichever node serves them) and one JSON line to the ``ecoloop.jobs`` log with a run id. A run
failed when it raised or logged an error: the jobs catch their own exceptions so the scheduler
keeps going, and log them with ``log.exception``.
"""

from __future__ import annotations

import functools
import logging
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine import tracing
from engine.config import load_settings
from engine.models import JobRun
from engine.runstate import alerts, figures

log = logging.getLogger(__name__)
job_log = tracing.json_logger("ecoloop.jobs")

JOB_ID = "runstate_alerts"
INTERVAL_SECONDS = 60
HOST = socket.gethostname()[:100]

_current = threading.local()


class _ErrorCounter(logging.Handler):
    """Counts ERROR records logged by the thread running a recorded job."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_current, "errors", None) is not None:
            _current.errors += 1


_counter = _ErrorCounter()


def record_runs(scheduler: BaseScheduler, sessions: sessionmaker[Session]) -> None:
    """Wrap every job added so far so that each run is recorded."""
    if _counter not in logging.getLogger().handlers:
        logging.getLogger().addHandler(_counter)
    for job in scheduler.get_jobs():
        job.modify(func=functools.partial(_recorded, job.id, job.func, sessions))


def _recorded(job_id: str, func: Callable[..., Any], sessions: sessionmaker[Session], *args: Any, **kwargs: Any) -> None:
    run_id = f"job-{tracing.new_id()}"  # the request id of the audit events the run records
    started, clock = datetime.now(timezone.utc), time.monotonic()
    _current.errors = 0
    raised = False
    token = tracing.request_id.set(run_id)
    try:
        func(*args, **kwargs)
    except Exception:
        raised = True
        log.exception("job %s failed", job_id)
    finally:
        errors, _current.errors = _current.errors, None
        tracing.request_id.reset(token)
    duration = time.monotonic() - clock
    ok = not raised and errors == 0
    tracing.line(job_log, {"event": "job", "job": job_id, "request_id": run_id, "started_at": started.isoformat(),
                           "duration_ms": round(duration * 1000, 1), "ok": ok, "host": HOST})
    save_run(sessions, job_id, started, duration, ok)


def save_run(sessions: sessionmaker[Session], job_id: str, started: datetime, duration: float, ok: bool) -> None:
    """Record a run (a second scheduler creating the same first row at once loses the insert and updates)."""
    for _attempt in range(2):
        try:
            with sessions.begin() as session:
                row = session.get(JobRun, job_id, with_for_update=True)
                if row is None:
                    row = JobRun(job_id=job_id, runs=0, failures=0)
                    session.add(row)
                row.last_started_at, row.last_duration_seconds, row.last_ok = started, duration, ok
                row.last_finished_at = datetime.now(timezone.utc)
                row.runs, row.failures, row.host = row.runs + 1, row.failures + (0 if ok else 1), HOST
            return
        except IntegrityError:
            continue
        except Exception:  # recording must never stop a job's schedule
            log.exception("could not record the run of job %s", job_id)
            return


def check_alerts(sessions: sessionmaker[Session], evidence_dir: Path, now: datetime | None = None) -> alerts.Evaluation:
    """Read the figures and open or clear alerts, in one committed transaction."""
    with sessions.begin() as session:
        reading = figures.read(session, evidence_dir, now or datetime.now(timezone.utc))
        return alerts.evaluate(session, reading)


def _safe_check(sessions: sessionmaker[Session], evidence_dir: Path) -> None:
    try:
        result = check_alerts(sessions, evidence_dir)
        if result.opened or result.cleared:
            log.info("run-state alerts: %d opened, %d cleared", len(result.opened), len(result.cleared))
    except IntegrityError:  # another scheduler opened the same alert at the same moment
        log.info("run-state alert already opened by another scheduler")
    except Exception:  # the next run retries
        log.exception("run-state alert check failed")


def add_jobs(scheduler: BaseScheduler, sessions: sessionmaker[Session]) -> None:
    evidence_dir = load_settings().evidence_dir
    scheduler.add_job(
        _safe_check, "interval", seconds=INTERVAL_SECONDS, args=[sessions, evidence_dir], id=JOB_ID,
        coalesce=True, max_instances=1, replace_existing=True,
    )
