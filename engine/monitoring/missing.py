"""The missing-data rule (数据缺失/断传): hourly slots with no record by their deadline.

Run by the scheduler. A slot ``h`` of an active point is missing when no hourly
record for it has arrived ``deadline_minutes`` after the slot ended; slots
before the point's ``monitoring_since`` or ending after its ``monitoring_until``,
older than ``lookback_hours`` or inside an approved downtime (a closure's
legitimate gap, or a 停运/检修 报备 kept in the register) are not expected. A factor missing from a record that did
arrive is found at ingest. A record that arrives later clears the anomaly.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.monitoring import anomaly_rows as anomalies
from engine.monitoring import rules
from engine.monitoring.codes import HOURLY
from engine.monitoring.evaluation import WHOLE_RECORD, Finding
from engine.monitoring.models import Measurement, MonitoringPoint, PointDowntime

HOUR = timedelta(hours=1)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floored = _floor_hour(moment)
    return floored if floored == moment else floored + HOUR


def check_missing(session: Session, now: datetime) -> int:
    """Record a missing-data anomaly for every hourly slot past its deadline; returns how many are new."""
    params = rules.load_book(session).rule("missing")
    if not params["enabled"]:
        return 0
    last = _floor_hour(now - timedelta(minutes=params["deadline_minutes"])) - HOUR
    first = _floor_hour(now) - timedelta(hours=params["lookback_hours"])
    if last < first:
        return 0
    points = session.execute(select(MonitoringPoint.id, MonitoringPoint.monitoring_since,
                                    MonitoringPoint.monitoring_until).where(MonitoringPoint.active.is_(True))).all()
    received = _received(session, first, last)
    downtimes = downtimes_between(session, first, last + HOUR)
    findings = missing_findings(points, first, last, received, downtimes, params)
    return len(anomalies.record(session, findings))


def missing_findings(
    points: Iterable[tuple[int, datetime, datetime | None]], first: datetime, last: datetime,
    received: Container[tuple[int, datetime]], downtimes: Mapping[int, Iterable[tuple[datetime, datetime]]],
    params: Mapping[str, Any],
) -> list[Finding]:
    """The missing-data findings of hourly slots ``first`` … ``last`` (inclusive) of these points.

    ``points`` are (id, monitoring since, monitoring until); a slot is expected from the point's
    first whole hour until it stops, unless it lies in a downtime. The live check and the replay
    (:mod:`engine.replay`) both judge through this function.
    """
    if not params["enabled"]:
        return []
    findings = []
    for point_id, since, until in points:
        slot = max(first, _ceil_hour(since))
        while slot <= last and (until is None or slot + HOUR <= until):
            if (point_id, slot) not in received and not _in_downtime(downtimes.get(point_id, ()), slot):
                findings.append(Finding(point_id, WHOLE_RECORD, "missing", HOURLY, slot, slot + HOUR, [],
                                        dict(params)))
            slot += HOUR
    return findings


def _received(session: Session, first: datetime, last: datetime) -> set[tuple[int, datetime]]:
    rows = session.execute(select(Measurement.point_id, Measurement.data_time).where(
        Measurement.cn == HOURLY, Measurement.data_time >= first, Measurement.data_time <= last))
    return {(point_id, data_time) for point_id, data_time in rows}


def downtimes_between(session: Session, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Approved downtimes overlapping [start, end), by point."""
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    rows = session.execute(select(PointDowntime.point_id, PointDowntime.starts_at, PointDowntime.ends_at).where(
        PointDowntime.starts_at < end, PointDowntime.ends_at > start))
    for point_id, starts_at, ends_at in rows:
        found.setdefault(point_id, []).append((starts_at, ends_at))
    return found


def _in_downtime(periods: Iterable[tuple[datetime, datetime]], slot: datetime) -> bool:
    return any(start <= slot < end for start, end in periods)
