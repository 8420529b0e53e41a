"""Monthly figures per outlet and factor from the measurement store, as the environmental-protection tax uses them.

Concentration: the monthly mean of hourly means for air, of daily means for water (环境保护税法实施条例
art. 15 via the tax authority's guidance: automatic-monitoring concentrations are averaged this way); the
standard-state corrected value (``zs_avg``) is used where the station sends one. Values flagged F, M, D, C
or B (:data:`EXCLUDED_DATA_FLAGS`) are not valid data and count nowhere. Water points without daily
packets get their daily means from the day's hourly means.

Emission volume: the station's cumulative emission (``cou``, kg) summed over the records where it is sent;
otherwise concentration × flow of the same record (air mg/m³ × m³/s × 3,600 s per hourly record; water
mg/L × L/s × 86,400 s per daily record), the way HJ 75-2017 and HJ 355-2019 derive emission rates.
A valid-data day is a day with at least one valid value of the factor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.monitoring.codes import DAILY, EXCLUDED_DATA_FLAGS, FACTORS, HOURLY
from engine.monitoring.models import Enterprise, Measurement, MonitoringPoint, PointKind

CHINA = timezone(timedelta(hours=8))
FLOW = {PointKind.AIR.value: "a00000", PointKind.WATER.value: "w00000"}
SECONDS_PER_RECORD = {HOURLY: 3600, DAILY: 86400}
MG_TO_KG = 1e-6


@dataclass
class OutletFigure:
    """One outlet's factor for a month."""

    mn: str
    outlet_code: str
    point_kind: str
    factor: str
    unit: str
    basis: str  # hourly (air) / daily (water)
    mean_concentration: float | None
    emission_kg: float | None
    valid_days: int
    valid_values: int
    flags: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"mn": self.mn, "outlet_code": self.outlet_code, "point_kind": self.point_kind, "factor": self.factor,
                "unit": self.unit, "basis": self.basis, "mean_concentration": self.mean_concentration,
                "emission_kg": self.emission_kg, "valid_days": self.valid_days, "valid_values": self.valid_values,
                "flags": self.flags}


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` → the month's first instant and the next month's, China Standard Time."""
    year, number = int(month[:4]), int(month[5:7])
    start = datetime(year, number, 1, tzinfo=CHINA)
    return start, datetime(year + number // 12, number % 12 + 1, 1, tzinfo=CHINA)


def outlet_figures(session: Session, credit_code: str, month: str) -> list[OutletFigure]:
    """The month's figures of every point of an enterprise, per factor (flow factors excluded)."""
    return [figure for point in _points_of(session, credit_code) for figure in point_figures(session, point, month)]


def _points_of(session: Session, credit_code: str) -> list[MonitoringPoint]:
    return list(session.scalars(select(MonitoringPoint).join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
                                .where(Enterprise.credit_code == credit_code).order_by(MonitoringPoint.mn)))


def point_figures(session: Session, point: MonitoringPoint, month: str) -> list[OutletFigure]:
    """The month's figures of one point."""
    start, end = month_bounds(month)
    rows: list[Any] = list(session.execute(select(Measurement.cn, Measurement.data_time, Measurement.factors).where(
        Measurement.point_id == point.id, Measurement.cn.in_((HOURLY, DAILY)),
        Measurement.data_time >= start, Measurement.data_time < end)))
    records: dict[str, list[tuple[datetime, Mapping[str, Any]]]] = {
        cn: [(time, factors) for c, time, factors in rows if c == cn] for cn in (HOURLY, DAILY)}
    if point.kind == PointKind.WATER.value:
        return _water(point, records[DAILY] or _daily_from_hourly(records[HOURLY]))
    return _air(point, records[HOURLY])


def _air(point: MonitoringPoint, hourly: list[tuple[datetime, Mapping[str, Any]]]) -> list[OutletFigure]:
    return _figures(point, hourly, "hourly", SECONDS_PER_RECORD[HOURLY])


def _water(point: MonitoringPoint, daily: Sequence[tuple[datetime, Mapping[str, Any]]]) -> list[OutletFigure]:
    return _figures(point, daily, "daily", SECONDS_PER_RECORD[DAILY])


def _figures(point: MonitoringPoint, records: Sequence[tuple[datetime, Mapping[str, Any]]], basis: str,
             seconds: int) -> list[OutletFigure]:
    flow_code = FLOW.get(point.kind, "")
    accumulators: dict[str, _Accumulator] = defaultdict(_Accumulator)
    for time, factors in records:
        flow = _valid_value(factors.get(flow_code), ("avg",))
        for code, data in factors.items():
            if code != flow_code and isinstance(data, Mapping):
                accumulators[code].add(time, data, flow, seconds)
    return [accumulator.figure(point, code, basis) for code, accumulator in sorted(accumulators.items())]


class _Accumulator:
    def __init__(self) -> None:
        self.values: list[float] = []
        self.days: set[date] = set()
        self.emission = 0.0
        self.has_emission = False
        self.flags: dict[str, int] = defaultdict(int)

    def add(self, time: datetime, data: Mapping[str, Any], flow: float | None, seconds: int) -> None:
        flag = data.get("flag")
        if isinstance(flag, str) and flag != "N":
            self.flags[flag] += 1
        concentration = _valid_value(data, ("zs_avg", "avg"))
        if concentration is None:
            return
        self.values.append(concentration)
        self.days.add(time.astimezone(CHINA).date())
        emitted = _emission(data, flow, seconds)
        if emitted is not None:
            self.emission += emitted
            self.has_emission = True

    def figure(self, point: MonitoringPoint, code: str, basis: str) -> OutletFigure:
        known = FACTORS.get(code)
        return OutletFigure(
            mn=point.mn, outlet_code=point.outlet_code, point_kind=point.kind, factor=code,
            unit=known.unit if known else "", basis=basis,
            mean_concentration=round(fmean(self.values), 4) if self.values else None,
            emission_kg=round(self.emission, 4) if self.has_emission else None,
            valid_days=len(self.days), valid_values=len(self.values), flags=dict(sorted(self.flags.items())))


def _valid_value(data: Any, names: Iterable[str]) -> float | None:
    """The first present number among ``names``, or None when absent or flagged invalid."""
    if not isinstance(data, Mapping) or data.get("flag") in EXCLUDED_DATA_FLAGS:
        return None
    for name in names:
        value = data.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _emission(data: Mapping[str, Any], flow: float | None, seconds: int) -> float | None:
    cumulative = data.get("cou")
    if isinstance(cumulative, (int, float)) and not isinstance(cumulative, bool):
        return float(cumulative)
    concentration = _valid_value(data, ("avg",))
    if concentration is None or flow is None:
        return None
    return concentration * flow * seconds * MG_TO_KG  # mg/m³ × m³/s, or mg/L × L/s: the units pair up


def _daily_from_hourly(hourly: Sequence[tuple[datetime, Mapping[str, Any]]]
                       ) -> list[tuple[datetime, Mapping[str, Any]]]:
    """Daily records made of a water point's hourly records: the mean of each factor's valid hourly means."""
    by_day: dict[date, dict[str, list[tuple[float, Mapping[str, Any]]]]] = defaultdict(lambda: defaultdict(list))
    for time, factors in hourly:
        for code, data in factors.items():
            value = _valid_value(data, ("zs_avg", "avg"))
            if value is not None:
                by_day[time.astimezone(CHINA).date()][code].append((value, data))
    return [(datetime(day.year, day.month, day.day, tzinfo=CHINA),
             {code: _daily_record(values) for code, values in factors.items()})
            for day, factors in sorted(by_day.items())]


def _daily_record(values: list[tuple[float, Mapping[str, Any]]]) -> dict[str, Any]:
    record: dict[str, Any] = {"avg": fmean(value for value, _ in values), "flag": "N"}
    cumulative = [data["cou"] for _, data in values if isinstance(data.get("cou"), (int, float))]
    if cumulative:
        record["cou"] = float(sum(cumulative))
    return record


def figures_source(session: Session, credit_code: str, month: str) -> dict[str, Any] | None:
    """The monitoring figures a tax review request carries (registered with ``engine.tax.review`` at start-up);
    None for an enterprise without monitoring points."""
    points = _points_of(session, credit_code)
    if not points:
        return None
    return {"period": month, "points": [figure.as_json() for point in points
                                        for figure in point_figures(session, point, month)]}
