"""The month's automatic-monitoring figures per point and factor, kept in ``exchange_monitored_months``.

The figures are those the tax side receives (:mod:`engine.monitoring.monthly`: air, mean of hourly
means; water, mean of daily means; emissions; valid days), computed once per point and month and stored
so the inspection rules can join them set-wise instead of recomputing them per return line.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.db import utcnow
from engine.exchange.datacheck.models import MonitoredMonth
from engine.monitoring.codes import DAILY, HOURLY
from engine.monitoring.models import Measurement, MonitoringPoint
from engine.monitoring.monthly import month_bounds, point_figures


def refresh(session: Session, month: str) -> int:
    """Recompute the month's figures of every point with hourly or daily data in it; returns the rows written."""
    start, end = month_bounds(month)
    session.execute(delete(MonitoredMonth).where(MonitoredMonth.month == month))
    measured = select(Measurement.point_id).distinct().where(
        Measurement.cn.in_((HOURLY, DAILY)), Measurement.data_time >= start, Measurement.data_time < end)
    now = utcnow()
    rows = [{"month": month, "point_id": point.id, "factor": figure.factor,
             "mean_concentration": figure.mean_concentration, "emission_kg": figure.emission_kg,
             "valid_days": figure.valid_days, "periods": figure.valid_values, "computed_at": now}
            for point in session.scalars(select(MonitoringPoint).where(MonitoringPoint.id.in_(measured))
                                         .order_by(MonitoringPoint.id))
            for figure in point_figures(session, point, month) if figure.valid_values]
    if rows:
        session.execute(insert(MonitoredMonth), rows)
    session.flush()
    return len(rows)
