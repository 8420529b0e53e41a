"""Data rates per point, enterprise and region for a month (supervision.md), aggregated in SQL.

For the records of the configured command (hourly by default) in the month:

- transmission  = records received ÷ records expected (one per slot of the reporting interval);
- validity      = valid factor values ÷ factor values received (``validity_denominator =
  "expected"`` divides by the factor values expected instead);
- effective     = transmission × validity; an enterprise passes at ``pass_line`` (90 %);
- timeliness    = records that arrived within ``timeliness_deadline_minutes`` after their slot ended
  ÷ records received;
- completeness  = registered factors present ÷ registered factors expected in the records received.

Slots inside a legitimate gap (an approved shutdown or maintenance,
:class:`~engine.monitoring.models.PointDowntime`) are neither expected nor counted. Slots
before a point's ``monitoring_since`` or after ``now`` are not expected. The
database sums per point (``GROUP BY point_id`` over integer columns written at
ingest); enterprises and regions add those sums up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from engine.db import on_replica, utcnow
from engine.monitoring import closures, rules
from engine.monitoring.models import (
    Enterprise,
    MonitoringPoint,
    PointDowntime,
    PointFactor,
)
from engine.monitoring.records import period_length
from engine.monitoring.store import table_for

CHINA = timezone(timedelta(hours=8))


@dataclass
class Counts:
    """Numerators and denominators; rates are ratios of sums, so they add up across points."""

    expected: int = 0
    received: int = 0
    values_received: int = 0
    values_valid: int = 0
    values_expected: int = 0
    on_time: int = 0
    expected_factor_slots: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class RateRow:
    """The rates of one point, enterprise or region; ``None`` where the denominator is zero."""

    level: str
    key: str
    name: str
    region_code: str
    counts: Counts
    denominator: str = "received"
    pass_line: float = 0.9
    points: int = 1
    enterprises_below: int = 0
    enterprises: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def transmission(self) -> float | None:
        return _ratio(self.counts.received, self.counts.expected)

    @property
    def validity(self) -> float | None:
        c = self.counts
        return _ratio(c.values_valid, c.values_received if self.denominator == "received" else c.values_expected)

    @property
    def effective(self) -> float | None:
        t, v = self.transmission, self.validity
        return None if t is None or v is None else t * v

    @property
    def timeliness(self) -> float | None:
        return _ratio(self.counts.on_time, self.counts.received)

    @property
    def completeness(self) -> float | None:
        return _ratio(self.counts.values_received, self.counts.expected_factor_slots)

    @property
    def passed(self) -> bool | None:
        effective = self.effective
        return None if effective is None else effective >= self.pass_line


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator <= 0 else min(1.0, numerator / denominator)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in China Standard Time."""
    start = datetime(month.year, month.month, 1, tzinfo=CHINA)
    following = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=CHINA)
    return start, following


def point_rates(session: Session, month: date, *, now: datetime | None = None) -> list[RateRow]:
    """The rates of every point for a month."""
    start, end = month_bounds(month)
    return period_rates(session, start, end, now=now)


def period_rates(session: Session, start: datetime, end: datetime, *, now: datetime | None = None) -> list[RateRow]:
    """The rates of every point over [start, end) up to the last whole hour before ``now``: one aggregation
    over the period's monthly partitions (a year is one pass, not twelve), the counters being sums.

    On the primary, finished closures are synced into downtimes first; on the read replica (which
    takes no writes) the downtimes are those the scheduler's closure sync has already written.
    """
    if not on_replica(session):
        closures.sync_closed_cases(session)
    settings = rules.load_book(session).rule("rates")
    end = min(end, _floor(now or utcnow(), timedelta(hours=1)))
    return rates_between(session, settings, start, end, _sums(session, settings, start, end))


def rates_between(
    session: Session, settings: Mapping[str, Any], start: datetime, end: datetime, sums: Mapping[int, Counts],
    point_ids: Collection[int] | None = None,
) -> list[RateRow]:
    """The rates of the points (all, or ``point_ids``) over [start, end) from their received sums.

    The live statistics sum in SQL (:func:`_sums`); the replay (:mod:`engine.replay`) sums the
    records it judged with a draft's validity settings and passes them here.
    """
    query = select(MonitoringPoint, Enterprise).join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
    if point_ids is not None:
        query = query.where(MonitoringPoint.id.in_(list(point_ids)))
    points = session.execute(query.order_by(MonitoringPoint.id)).all()
    factor_counts = dict(session.execute(select(PointFactor.point_id, func.count()).group_by(PointFactor.point_id)).all())
    downtimes = _downtimes(session, start, end)
    rows = []
    for point, enterprise in points:
        step = period_length(settings["cn"], rtd_interval_s=point.rtd_interval_s,
                             minute_interval_min=point.minute_interval_min)
        counts = replace(sums.get(point.id, Counts()))
        until = end if point.monitoring_until is None else max(start, min(end, point.monitoring_until))
        expected = _expected_slots(max(start, point.monitoring_since), until, step, downtimes.get(point.id, []))
        factors = int(factor_counts.get(point.id, 0))
        counts.expected, counts.values_expected = expected, expected * factors
        counts.expected_factor_slots = counts.received * factors
        rows.append(RateRow("point", point.mn, point.name, enterprise.region_code, counts,
                            settings["validity_denominator"], settings["pass_line"],
                            extra={"enterprise": enterprise.credit_code, "enterprise_name": enterprise.name}))
    return rows


def _sums(session: Session, settings: Mapping[str, Any], start: datetime, end: datetime) -> dict[int, Counts]:
    table = table_for(settings["cn"])
    deadline = int(settings["timeliness_deadline_minutes"]) * 60
    in_downtime = exists().where(
        PointDowntime.point_id == table.c.point_id, PointDowntime.starts_at <= table.c.data_time,
        PointDowntime.ends_at > table.c.data_time)
    query = select(
        table.c.point_id, func.count(), func.sum(table.c.n_factors), func.sum(table.c.n_valid),
        func.sum(case((table.c.delay_s <= deadline, 1), else_=0)),
    ).where(and_(table.c.cn == settings["cn"], table.c.data_time >= start, table.c.data_time < end),
            ~in_downtime).group_by(table.c.point_id)
    rows: Any = session.execute(query)
    return {point_id: Counts(received=int(n), values_received=int(f or 0), values_valid=int(v or 0),
                             on_time=int(t or 0))
            for point_id, n, f, v, t in rows}


def _downtimes(session: Session, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    for point_id, starts_at, ends_at in session.execute(select(
            PointDowntime.point_id, PointDowntime.starts_at, PointDowntime.ends_at).where(
            PointDowntime.starts_at < end, PointDowntime.ends_at > start)):
        found.setdefault(point_id, []).append((starts_at, ends_at))
    return found


def _floor(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=CHINA)
    return epoch + ((moment - epoch) // step) * step


def _expected_slots(start: datetime, end: datetime, step: timedelta, gaps: list[tuple[datetime, datetime]]) -> int:
    """Slots of ``step`` that begin in [start, end), less those that begin inside a gap."""
    first = _floor(start, step)
    first = first if first >= start else first + step
    if first >= end:
        return 0
    total = (end - first - timedelta(microseconds=1)) // step + 1
    excluded: set[datetime] = set()
    for gap_start, gap_end in gaps:
        slot = max(first, _floor(gap_start, step))
        slot = slot if slot >= gap_start else slot + step
        while slot < min(gap_end, end):
            excluded.add(slot)
            slot += step
    return int(total) - len(excluded)


def enterprise_rates(session: Session, month: date, *, now: datetime | None = None,
                     points: Iterable[RateRow] | None = None) -> list[RateRow]:
    """Rates per enterprise: the sums of its points (the 90 % pass line applies here)."""
    by_enterprise: dict[str, RateRow] = {}
    for row in points if points is not None else point_rates(session, month, now=now):
        code = row.extra["enterprise"]
        total = by_enterprise.get(code)
        if total is None:
            total = by_enterprise[code] = RateRow("enterprise", code, row.extra["enterprise_name"], row.region_code,
                                                  Counts(), row.denominator, row.pass_line, points=0)
        total.counts.add(row.counts)
        total.points += 1
    return sorted(by_enterprise.values(), key=lambda r: (r.region_code, r.key))


def region_rates(session: Session, month: date, *, level: str = "city", now: datetime | None = None,
                 enterprises: Iterable[RateRow] | None = None) -> list[RateRow]:
    """Rates per city (``level="city"``, codes 4401xx → 440100) or county, with enterprises below the pass line."""
    by_region: dict[str, RateRow] = {}
    for row in enterprises if enterprises is not None else enterprise_rates(session, month, now=now):
        code = row.region_code[:4] + "00" if level == "city" else row.region_code
        total = by_region.get(code)
        if total is None:
            total = by_region[code] = RateRow("region", code, code, code, Counts(), row.denominator, row.pass_line,
                                              points=0)
        total.counts.add(row.counts)
        total.points += row.points
        total.enterprises += 1
        total.enterprises_below += 1 if row.passed is False else 0
    return sorted(by_region.values(), key=lambda r: r.key)
