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
    earlier = RECENT - timedelta(days=2)
    ingestor().ingest(session, [replace(air(0, cn=cn), data_time=moment)
                                for cn in (REALTIME, MINUTE, HOURLY) for moment in (OLD, earlier, RECENT)])
    purged = store.purge_minute_data(session, realtime_before=RECENT - timedelta(hours=1),
                                     minute_before=RECENT + timedelta(hours=1))
    kept = sorted(session.execute(select(MinuteMeasurement.cn, MinuteMeasurement.data_time)).all())
    assert session.scalar(select(func.count()).select_from(Measurement)) == 3  # hourly data is never purged
    if is_postgres(session):  # old months went with their partitions; November's is not over, its minute rows stay
        assert kept == [(REALTIME, RECENT), (MINUTE, earlier), (MINUTE, RECENT)]
        partitions = store._partitions(session, "minute_measurements")
        assert "minute_measurements_y2025m01" not in partitions and "minute_measurements_y2026m10" not in partitions
        assert "minute_measurements_y2026m11" in partitions
        assert "measurements_y2025m01" in store._partitions(session, "measurements")
        assert purged == store.Purged(rows_deleted=1, partitions_dropped=22)  # the real-time row of Nov 18
    else:
        assert kept == [(REALTIME, RECENT)]
        assert purged == store.Purged(rows_deleted=5, partitions_dropped=0)


def test_purge_drops_a_month_of_minute_data_without_deleting_rows(session: Session) -> None:
    """A whole past month goes by DROP TABLE: its rows are never deleted one by one (no dead tuples, no VACUUM)."""
    if not is_postgres(session):
        return
    register(session)
    ingestor().ingest(session, [replace(air(0, cn=MINUTE), data_time=datetime(2026, 9, day, 8, tzinfo=CHINA))
                                for day in range(1, 31)])
    deleted_before = _deleted_tuples(session)
    purged = store.purge_minute_data(session, realtime_before=datetime(2026, 10, 1, tzinfo=CHINA),
                                     minute_before=datetime(2026, 10, 1, tzinfo=CHINA))
    assert purged.rows_deleted == 0 and "minute_measurements_y2026m09" not in store._partitions(
        session, "minute_measurements")
    assert session.scalar(select(func.count()).select_from(MinuteMeasurement)) == 0
    assert _deleted_tuples(session) == deleted_before


def _deleted_tuples(session: Session) -> int:
    """Rows this transaction deleted from the minute tables' remaining partitions (statistics of the backend)."""
    return int(session.scalar(text(
        "SELECT coalesce(sum(n_tup_del), 0) FROM pg_stat_xact_user_tables WHERE relname LIKE 'minute_measurements%'"))
        or 0)


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
