"""Scheduled work of the measurement store (``monitoring_minute_purge``): real-time and minute data older
than their retention go, and monthly partitions are created ahead (PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from engine.monitoring import store
from engine.monitoring.settings import MonitoringSettings


def run_purge(sessions: sessionmaker[Session], settings: MonitoringSettings,
              now: datetime | None = None) -> store.Purged:
    now = now or datetime.now(timezone.utc)
    with sessions.begin() as session:
        purged = store.purge_minute_data(
            session, realtime_before=now - timedelta(days=settings.realtime_retention_days),
            minute_before=now - timedelta(days=settings.minute_retention_days))
    with sessions.begin() as session:
        store.ensure_partitions(session, now)
    return purged
