"""Short-term data purge and monthly partitions (PostgreSQL), minute data kept apart from hourly data."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.db import is_postgres
from engine.monitoring import store
from engine.monitoring.codes import HOURLY, MINUTE, REALTIME
from engine.monitoring.models import Measurement, MinuteMeasurement
from tests.engine.monitoring.factories import CHINA, air, ingestor, register

OLD = datetime(2025, 1, 10, 8, tzinfo=CHINA)
RECENT = datetime(2026, 11, 20, 8, tzinfo=CHINA)


def test_purge_keeps_hourly_data_and_recent_minute_data(session: Session) -> None:
    register(session)
    ingestor().ingest(session, [replace(air(0, cn=cn), data_time=moment)
                                for cn in (REALTIME, MINUTE, HOURLY) for moment in (OLD, RECENT)])
    deleted = store.purge_minute_data(session, realtime_before=RECENT - timedelta(hours=1),
                                      minute_before=RECENT + timedelta(hours=1))
    kept = session.execute(select(MinuteMeasurement.cn, MinuteMeasurement.data_time)).all()
    assert [(cn, moment) for cn, moment in kept] == [(REALTIME, RECENT)]
    assert session.scalar(select(func.count()).select_from(Measurement)) == 2  # hourly data is never purged
    if is_postgres(session):  # January 2025 went with its partition; November's minute row was deleted
        assert "minute_measurements_y2025m01" not in store._partitions(session, "minute_measurements")
        assert "measurements_y2025m01" in store._partitions(session, "measurements")
        assert deleted == 1
    else:
        assert deleted == 3


def test_partitions_are_created_ahead_once(session: Session) -> None:
    now = datetime(2027, 11, 15, tzinfo=CHINA)
    created = store.ensure_partitions(session, now)
    if not is_postgres(session):
        assert created == []
        return
    assert created == [f"{table}_y2028m{month:02d}" for table in store.PARTITIONED_TABLES for month in (1, 2)]
    assert store.ensure_partitions(session, now) == []
    register(session)
    february = datetime(2028, 2, 3, 10, tzinfo=CHINA)
    ingestor(february + timedelta(hours=2)).ingest(session, [replace(air(0), data_time=february)])
    assert session.scalar(text("SELECT count(*) FROM measurements_y2028m02")) == 1  # not the default partition
