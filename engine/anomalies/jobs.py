"""Scheduled work of the closure loop: the missing-data check and the tasks of pending anomalies.

- ``monitoring_missing_data``: the missing-data rule for hourly slots past their deadline,
  then closure tasks for pending anomalies and conclusions of finished ones;
- ``monitoring_open_tasks``: closure tasks for anomalies still pending (the receiver opens
  them as it goes; this catches up after a crash or a failed start).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.anomalies import cases
from engine.monitoring import closures, missing


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
    """Judge the slots past their deadline, open their tasks, stamp the cases whose instances ended."""
    with sessions.begin() as session:
        found = missing.check_missing(session, now or datetime.now(timezone.utc))
    open_all(sessions)
    with sessions.begin() as session:
        closures.sync_closed_cases(session)
    return found
