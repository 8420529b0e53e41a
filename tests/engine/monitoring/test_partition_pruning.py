"""Period queries touch only the monthly partitions of their period (PostgreSQL, checked with EXPLAIN).

Every statement the rates, the report figures, the dashboard, the missing-data check, the readings
windows and the replay send to the database is recorded as it runs; those reading ``measurements`` or
``minute_measurements`` are then EXPLAINed with the same parameters, and the partitions in the plan
must be those of the period (a function on ``data_time``, or a bound the planner cannot read, would
list every partition of the table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.actors import Actor, Role
from engine.dashboard import figures as dashboard
from engine.db import is_postgres
from engine.monitoring import missing, rates, store
from engine.monitoring.codes import HOURLY, MINUTE
from engine.monitoring.models import Measurement, MonitoringPoint
from engine.reports import figures
from engine.reports.period import Period
from tests.engine.monitoring.factories import CHINA, register
from tests.engine.replay.factories import province_with_every_kind
from tests.engine.replay.factories import run as replay

PROVINCE = Actor("province-pruning", frozenset({Role.PROVINCE_REVIEWER}), "440000")
AFTER_2026 = datetime(2027, 1, 5, tzinfo=CHINA)
PARTITIONED = ("measurements", "minute_measurements")


@pytest.fixture
def pg(session: Session) -> Session:
    if not is_postgres(session):
        pytest.skip("partitions exist on PostgreSQL only")
    register(session)
    return session


def months(table: str, year: int, *numbers: int) -> set[str]:
    return {f"{table}_y{year}m{n:02d}" for n in numbers}


def partitions_read(session: Session, work: Callable[[], Any]) -> set[str]:
    """The partitions in the plans of the statements ``work`` sends that read the partitioned tables."""
    with _recorded(session) as statements:
        work()
    found: set[str] = set()
    for statement, parameters in statements:
        plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        found |= {name for name in _relations(plan) if name.startswith(PARTITIONED)}
    return found


@contextmanager
def _recorded(session: Session) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        reads = statement.lstrip().upper().startswith("SELECT") and not executemany
        if reads and any(f" {table}" in statement for table in PARTITIONED):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _relations(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "Relation Name" in node:
            yield node["Relation Name"]
        for value in node.values():
            yield from _relations(value)
    elif isinstance(node, list):
        for item in node:
            yield from _relations(item)


def test_a_months_rates_read_only_that_months_partition(pg: Session) -> None:
    read = partitions_read(pg, lambda: rates.point_rates(pg, datetime(2026, 10, 1).date(), now=AFTER_2026))
    assert read == months("measurements", 2026, 10)


def test_the_monthly_report_figures_read_only_the_months_partition(pg: Session) -> None:
    read = partitions_read(pg, lambda: figures.figures(pg, PROVINCE, Period(2026, 10), now=AFTER_2026))
    assert read == months("measurements", 2026, 10)


def test_the_yearly_figures_read_only_that_years_partitions(pg: Session) -> None:
    read = partitions_read(pg, lambda: figures.figures(pg, PROVINCE, Period(2026), now=AFTER_2026))
    assert read == months("measurements", 2026, *range(1, 13))


def test_the_dashboard_reads_no_measurement_partition(pg: Session) -> None:
    assert partitions_read(pg, lambda: dashboard.dashboard(pg, PROVINCE, now=AFTER_2026)) == set()


def test_the_missing_data_check_reads_only_the_current_months_partition(pg: Session) -> None:
    read = partitions_read(pg, lambda: missing.check_missing(pg, datetime(2026, 10, 15, 12, tzinfo=CHINA)))
    assert read == months("measurements", 2026, 10)


def test_a_readings_window_reads_the_months_it_spans(pg: Session) -> None:
    point_ids = _point_ids(pg)
    inside = {p: (datetime(2026, 10, 5, tzinfo=CHINA), datetime(2026, 10, 6, tzinfo=CHINA)) for p in point_ids}
    across = {p: (datetime(2026, 10, 31, 20, tzinfo=CHINA), datetime(2026, 11, 1, 4, tzinfo=CHINA)) for p in point_ids}
    assert partitions_read(pg, lambda: store.series(pg, HOURLY, inside)) == months("measurements", 2026, 10)
    assert partitions_read(pg, lambda: store.series(pg, HOURLY, across)) == months("measurements", 2026, 10, 11)
    assert partitions_read(pg, lambda: store.revisions_in(pg, MINUTE, inside)) == months(
        "minute_measurements", 2026, 10)


def test_a_bound_given_in_utc_prunes_to_the_same_china_month(pg: Session) -> None:
    """Partition bounds are Chinese midnights; 2026-09-30 16:00 UTC is 2026-10-01 00:00 in China."""
    start = datetime(2026, 9, 30, 16, tzinfo=timezone.utc)
    window = {point_id: (start, start + timedelta(hours=23)) for point_id in _point_ids(pg)}
    assert partitions_read(pg, lambda: store.series(pg, HOURLY, window)) == months("measurements", 2026, 10)


def _point_ids(session: Session) -> list[int]:
    return list(session.scalars(select(MonitoringPoint.id)))


def test_the_check_sees_a_query_that_defeats_pruning(pg: Session) -> None:
    """A function on the partition key hides the period from the planner: every partition is read."""
    month = func.date_trunc("month", Measurement.data_time) == datetime(2026, 10, 1, tzinfo=CHINA)
    read = partitions_read(pg, lambda: pg.execute(select(func.count()).select_from(Measurement).where(month)).all())
    assert months("measurements", 2026, 10) < read and len(read) > 30


def test_a_replay_reads_only_the_partitions_of_its_period(session: Session) -> None:
    """The replay (预演) reads the period's records and the few hours its rules look back on."""
    if not is_postgres(session):
        pytest.skip("partitions exist on PostgreSQL only")
    province_with_every_kind(session)
    read = partitions_read(session, lambda: replay(session, {"rules": {"constant": {"count": 4}}}))
    assert read == months("measurements", 2026, 11)
