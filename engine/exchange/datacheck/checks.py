"""The data-inspection rules as SQL: one SELECT per rule over the matched data of a month.

Each query yields the same columns (:data:`COLUMNS`), one row per finding, so the runner can insert
them set-wise. Nothing here loops over records; the parameters come from :mod:`.rules`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, cast, exists, func, literal, null, or_, select
from sqlalchemy.sql import Subquery
from sqlalchemy.types import Float

from engine.credit.models import CreditFact
from engine.exchange.datacheck.models import MonitoredMonth
from engine.exchange.datacheck.matching import outlet_points, source_matches, taxpayer_matches
from engine.exchange.models import TaxReturn, TaxSource
from engine.monitoring.models import Enterprise, ListMembership, MonitoringPoint, PointFactor

COLUMNS = ("subject_key", "taxpayer_code", "enterprise_id", "region_code", "outlet_code", "pollutant", "declared",
           "observed", "limit")


@dataclass(frozen=True)
class Month:
    """A tax month ``YYYY-MM`` and the dates the rules compare against."""

    text: str
    first: date
    last: date

    @classmethod
    def of(cls, text: str) -> Month:
        year, month = int(text[:4]), int(text[5:7])
        return cls(text, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    def filing_deadline(self, days_after_quarter: int) -> date:
        """The last day to file the quarter's return (Environmental Protection Tax Law art. 18, 19)."""
        quarter_end_month = ((self.first.month - 1) // 3 + 1) * 3
        end = date(self.first.year, quarter_end_month, calendar.monthrange(self.first.year, quarter_end_month)[1])
        return end + timedelta(days=days_after_quarter)

    def months_back(self, months: int) -> date:
        index = self.first.year * 12 + self.first.month - 1 - months
        return date(index // 12, index % 12 + 1, 1)


def _row(subject: Any, taxpayer: Any, enterprise: Any, region: Any, outlet: Any = None, pollutant: Any = None,
         declared: Any = None, observed: Any = None, limit: Any = None) -> list[Any]:
    def text(value: Any) -> Any:
        return literal("") if value is None else value

    def number(value: Any) -> Any:
        return cast(null(), Float) if value is None else cast(value, Float)

    return [subject.label("subject_key"), taxpayer.label("taxpayer_code"), enterprise.label("enterprise_id"),
            region.label("region_code"), text(outlet).label("outlet_code"), text(pollutant).label("pollutant"),
            number(declared).label("declared"), number(observed).label("observed"), number(limit).label("limit")]


def _returns_of_month(month: Month) -> Subquery:
    """The month's return lines with the tax source's match (enterprise, point)."""
    sm = source_matches()
    return (select(TaxReturn.record_key, TaxReturn.credit_code, TaxReturn.outlet_code, TaxReturn.pollutant_code,
                   TaxReturn.emission_kg, TaxReturn.concentration, sm.c.enterprise_id, sm.c.region_code,
                   sm.c.enterprise_code, sm.c.point_id, sm.c.method)
            .join(sm, sm.c.source_no == TaxReturn.source_no)
            .where(TaxReturn.month == month.text, sm.c.enterprise_id.is_not(None))).subquery("month_returns")


def declared_below_monitored(month: Month, params: Mapping[str, Any]) -> Select[Any]:
    """A return line whose emissions fall below the month's automatically monitored emissions by the threshold."""
    r = _returns_of_month(month)
    figures = MonitoredMonth
    share = 1.0 - float(params["threshold_percent"]) / 100.0
    return (select(*_row(r.c.record_key, r.c.credit_code, r.c.enterprise_id, r.c.region_code, r.c.outlet_code,
                         r.c.pollutant_code, r.c.emission_kg, figures.emission_kg))
            .join(figures, and_(figures.point_id == r.c.point_id, figures.factor == r.c.pollutant_code,
                                figures.month == month.text))
            .where(figures.emission_kg >= float(params["min_monitored_kg"]),
                   r.c.emission_kg < figures.emission_kg * share))


def _permit_valid(month: Month) -> Any:
    return and_(Enterprise.permit_number != "",
                or_(Enterprise.permit_valid_from.is_(None), Enterprise.permit_valid_from <= month.last),
                or_(Enterprise.permit_valid_to.is_(None), Enterprise.permit_valid_to >= month.first))


def _source_valid(month: Month) -> Any:
    return and_(TaxSource.valid_from <= month.last, or_(TaxSource.valid_to.is_(None), TaxSource.valid_to >= month.first))


def outlets_without_source(month: Month, params: Mapping[str, Any]) -> Select[Any]:
    """A permitted outlet (an active point of a permitted enterprise) of a taxpayer no tax source declares."""
    tm = taxpayer_matches()
    points = outlet_points()
    declared = exists().where(TaxSource.credit_code == tm.c.credit_code, TaxSource.outlet_code == points.c.outlet_code,
                              _source_valid(month))
    query = (select(*_row(tm.c.credit_code + literal("/") + points.c.outlet_code, tm.c.credit_code, tm.c.enterprise_id,
                          tm.c.region_code, points.c.outlet_code))
             .join(Enterprise, Enterprise.id == tm.c.enterprise_id)
             .join(points, points.c.enterprise_id == Enterprise.id)
             .join(MonitoringPoint, MonitoringPoint.id == points.c.id)
             .where(_permit_valid(month), MonitoringPoint.active.is_(True), ~declared))
    if params["key_units_only"]:
        query = query.where(exists().where(ListMembership.enterprise_id == Enterprise.id,
                                           ListMembership.year == month.first.year))
    return query


def source_without_permit(month: Month, params: Mapping[str, Any]) -> Select[Any]:
    """A tax source in force in the month whose enterprise holds no permit valid in the month."""
    sm = source_matches()
    return (select(*_row(sm.c.record_key, sm.c.credit_code, sm.c.enterprise_id, sm.c.region_code, sm.c.outlet_code,
                         sm.c.pollutant_code))
            .join(Enterprise, Enterprise.id == sm.c.enterprise_id)
            .where(sm.c.valid_from <= month.last, or_(sm.c.valid_to.is_(None), sm.c.valid_to >= month.first),
                   ~_permit_valid(month)))


def monitoring_without_return(month: Month, params: Mapping[str, Any], today: date) -> Select[Any]:
    """An enterprise with valid monitoring data in the month and no return line for it, once filing has closed."""
    if today <= month.filing_deadline(int(params["filing_days_after_quarter"])):
        return select(*_row(literal(""), literal(""), literal(0), literal(""))).where(literal(False))
    tm = taxpayer_matches()
    monitored = (select(MonitoringPoint.enterprise_id, func.count(func.distinct(MonitoredMonth.point_id)).label("points"))
                 .join(MonitoringPoint, MonitoringPoint.id == MonitoredMonth.point_id)
                 .where(MonitoredMonth.month == month.text, MonitoredMonth.valid_days >= int(params["min_valid_days"]))
                 .group_by(MonitoringPoint.enterprise_id)).subquery("monitored")
    filed = exists().where(TaxReturn.month == month.text, TaxReturn.credit_code == tm.c.credit_code,
                           tm.c.enterprise_id == Enterprise.id)
    return (select(*_row(Enterprise.credit_code, Enterprise.credit_code, Enterprise.id, Enterprise.region_code,
                         observed=monitored.c.points))
            .join(monitored, monitored.c.enterprise_id == Enterprise.id)
            .where(~filed))


def exceedance_without_penalty(month: Month, params: Mapping[str, Any]) -> Select[Any]:
    """A return line declaring a concentration above the point's limit with no penalty on record."""
    r = _returns_of_month(month)
    factor = PointFactor
    over = factor.upper_limit * (1.0 + float(params["tolerance_percent"]) / 100.0)
    penalised = exists().where(CreditFact.kind == "penalty", CreditFact.enterprise_code == r.c.enterprise_code,
                               CreditFact.occurred_on >= month.months_back(int(params["penalty_lookback_months"])))
    return (select(*_row(r.c.record_key, r.c.credit_code, r.c.enterprise_id, r.c.region_code, r.c.outlet_code,
                         r.c.pollutant_code, r.c.concentration, None, factor.upper_limit))
            .join(factor, and_(factor.point_id == r.c.point_id, factor.code == r.c.pollutant_code))
            .where(factor.upper_limit.is_not(None), r.c.concentration.is_not(None), r.c.concentration > over,
                   ~penalised))


def declared_without_monitoring(month: Month, params: Mapping[str, Any]) -> Select[Any]:
    """A return line declaring an automatically monitored concentration where the month has too few valid days."""
    r = _returns_of_month(month)
    figures = (select(MonitoredMonth.point_id, MonitoredMonth.factor, MonitoredMonth.valid_days)
               .where(MonitoredMonth.month == month.text)).subquery("figures")
    valid_days = func.coalesce(figures.c.valid_days, 0)
    return (select(*_row(r.c.record_key, r.c.credit_code, r.c.enterprise_id, r.c.region_code, r.c.outlet_code,
                         r.c.pollutant_code, r.c.concentration, valid_days))
            .outerjoin(figures, and_(figures.c.point_id == r.c.point_id, figures.c.factor == r.c.pollutant_code))
            .where(r.c.method == "automatic", r.c.concentration.is_not(None),
                   valid_days < int(params["min_valid_days"])))


def query_for(rule: str, month: Month, params: Mapping[str, Any], today: date) -> Select[Any]:
    """The SELECT of one rule for a month."""
    if rule == "monitoring_without_return":
        return monitoring_without_return(month, params, today)
    return _QUERIES[rule](month, params)


_QUERIES: dict[str, Callable[[Month, Mapping[str, Any]], Select[Any]]] = {
    "declared_below_monitored": declared_below_monitored,
    "outlets_without_source": outlets_without_source,
    "source_without_permit": source_without_permit,
    "exceedance_without_penalty": exceedance_without_penalty,
    "declared_without_monitoring": declared_without_monitoring,
}
