"""Scheduled work of run-state monitoring: every job's runs recorded, and the alert check (``runstate_alerts``).

:func:`run_recorded` runs a job body (``web/scheduler.py`` wraps every job with it) under a
``job-…`` request id (so the audit events it writes name the run), writes its start, duration
and outcome to ``scheduler_job_runs`` (read by ``/metrics`` and the 运行监控 page, whichever node
serves them) and one JSON line to the ``ecoloop.jobs`` log. A run failed when its body raised.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from engine import tracing
from engine.alerts import figures
from engine.alerts import thresholds as alerts
from engine.runstate.models import JobRun

log = logging.getLogger(__name__)
job_log = tracing.json_logger("ecoloop.jobs")

HOST = socket.gethostname()[:100]


def run_recorded(sessions: sessionmaker[Session], job_id: str, body: Callable[..., object], *args: object) -> object:
    """Run ``body(*args)`` and record the run; the body's exception is recorded and raised again."""
    run_id = f"job-{tracing.new_id()}"
    started, clock = datetime.now(timezone.utc), time.monotonic()
    token = tracing.request_id.set(run_id)
    ok = False
    try:
        result = body(*args)
        ok = True
        return result
    finally:
        tracing.request_id.reset(token)
        duration = time.monotonic() - clock
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


@dataclass(frozen=True)
class Checked:
    opened: list[str]
    cleared: list[str]

    def __bool__(self) -> bool:
        return bool(self.opened or self.cleared)


def check_alerts(sessions: sessionmaker[Session], evidence_dir: Path, now: datetime | None = None) -> Checked:
    """Read the figures and open or clear alerts, in one committed transaction; returns the figures concerned.

    Two schedulers opening the same alert at once: the partial unique index refuses the second, whose
    transaction is rolled back (the alert is open, which is what it wanted).
    """
    try:
        with sessions.begin() as session:
            reading = figures.read(session, evidence_dir, now or datetime.now(timezone.utc))
            result = alerts.evaluate(session, reading)
            return Checked([a.figure for a in result.opened], [a.figure for a in result.cleared])
    except IntegrityError:
        log.info("run-state alert already opened by another scheduler")
        return Checked([], [])
