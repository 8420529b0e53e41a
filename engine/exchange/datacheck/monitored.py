"""The month's automatic-monitoring figures per point and factor, aggregated in SQL into ``exchange_monitored_months``.

Air points: the valid hourly values (CN 2061), mean of the hourly means; water points: the valid daily
values (CN 2031), mean of the daily means — the bases the tax law's concentration reductions use. A value
is valid unless its flag is one the monitoring settings call invalid. Emission volume: the sum of the valid
values' ``cou``. Valid days: distinct Shanghai dates with a valid value.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Float, and_, delete, func, insert, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from engine.db import is_postgres, utcnow
from engine.exchange.datacheck.checks import Month
from engine.exchange.datacheck.models import MonitoredMonth
from engine.monitoring.models import Measurement, MonitoringPoint, PointFactor, PointKind
from engine.monitoring.rules import load_book

CHINA = timezone(timedelta(hours=8))
CN_OF_KIND = {PointKind.AIR.value: "2061", PointKind.WATER.value: "2031"}


class factor_field(FunctionElement[Any]):  # noqa: N801 - a SQL function reads like one
    """``factors[code][field]`` of a measurement's JSON, as text (NULL when absent)."""

    inherit_cache = True


@compiles(factor_field, "postgresql")
def _factor_field_pg(element: factor_field, compiler: Any, **kw: Any) -> str:
    factors, code, field = list(element.clauses)
    return (f"(({compiler.process(factors, **kw)})::jsonb -> {compiler.process(code, **kw)} "
            f"->> {compiler.process(field, **kw)})")


@compiles(factor_field, "sqlite")
def _factor_field_sqlite(element: factor_field, compiler: Any, **kw: Any) -> str:
    factors, code, field = list(element.clauses)
    return (f"json_extract({compiler.process(factors, **kw)}, '$.\"' || {compiler.process(code, **kw)} || '\".' "
            f"|| {compiler.process(field, **kw)})")


def refresh(session: Session, month_text: str) -> int:
    """Recompute the month's figures for every point and factor; returns the rows written."""
    month = Month.of(month_text)
    start = datetime(month.first.year, month.first.month, month.first.day, tzinfo=CHINA)
    end = datetime(month.last.year, month.last.month, month.last.day, tzinfo=CHINA) + timedelta(days=1)
    invalid = list(load_book(session).rule("validity")["invalid_flags"])
    session.execute(delete(MonitoredMonth).where(MonitoredMonth.month == month.text))
    written = 0
    for kind, cn in CN_OF_KIND.items():
        written += _insert_kind(session, month.text, kind, cn, start, end, invalid)
    session.flush()
    return written


def _insert_kind(session: Session, month: str, kind: str, cn: str, start: datetime, end: datetime,
                 invalid: list[str]) -> int:
    flag = factor_field(Measurement.factors, PointFactor.code, literal("flag"))
    value = func.cast(factor_field(Measurement.factors, PointFactor.code, literal("avg")), Float)
    amount = func.cast(factor_field(Measurement.factors, PointFactor.code, literal("cou")), Float)
    valid = and_(value.is_not(None), func.coalesce(flag, "N").not_in(invalid))
    day = _local_day(session, Measurement.data_time)
    rows = (select(literal(month), Measurement.point_id, PointFactor.code,
                   func.avg(value).filter(valid), func.sum(amount).filter(valid),
                   func.count(func.distinct(day)).filter(valid), func.count().filter(valid), literal(utcnow()))
            .join(PointFactor, PointFactor.point_id == Measurement.point_id)
            .join(MonitoringPoint, MonitoringPoint.id == Measurement.point_id)
            .where(MonitoringPoint.kind == kind, Measurement.cn == cn, Measurement.data_time >= start,
                   Measurement.data_time < end)
            .group_by(Measurement.point_id, PointFactor.code)
            .having(func.count().filter(valid) > 0))
    inserted = session.execute(insert(MonitoredMonth).from_select(
        ["month", "point_id", "factor", "mean_concentration", "emission_kg", "valid_days", "periods", "computed_at"],
        rows).returning(MonitoredMonth.id))
    return len(inserted.all())


def _local_day(session: Session, column: Any) -> Any:
    """The Shanghai calendar date of a UTC timestamp column."""
    if is_postgres(session):
        return func.date(func.timezone("Asia/Shanghai", column))
    return func.date(column, "+8 hours")
