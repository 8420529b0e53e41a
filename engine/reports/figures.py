"""The figures of a report period, aggregated in SQL over what the viewer may see.

- tasks (steps of every process) per city, industry and process: opened, closed, returned,
  overdue (a deadline that fell in the period and was missed);
- cases (process instances) closed in the period: mean and 90th percentile of the time to close;
- exceedance handling rate (超标处理率): exceedance cases opened in the period whose loop has closed;
- transmission, validity and effective-transmission rates (hourly data) with the enterprises below 90 %;
- credit objections by outcome, tax reviews answered within 15 days, emergency plans filed,
  support tickets by subsystem and state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor
from engine.credit.models import CreditObjection, CreditRating
from engine.db import is_postgres, utcnow
from engine.emergency.models import EmergencyPlanFiling
from engine.monitoring import rates
from engine.monitoring.models import AnomalyCase, Enterprise, MonitoringPoint
from engine.reports import scope
from engine.reports.period import Period
from engine.reports.sqltime import city_of, hours_between
from engine.support.models import SupportTicket
from engine.tax.models import TaxReview
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)

TAX_ANSWER_DAYS = 15


@dataclass(frozen=True)
class TaskGroup:
    key: str
    opened: int
    closed: int
    returned: int
    overdue: int


@dataclass(frozen=True)
class CloseTime:
    key: str
    cases: int
    mean_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True)
class HandlingGroup:
    key: str
    exceedances: int
    handled: int

    @property
    def rate(self) -> float | None:
        return self.handled / self.exceedances if self.exceedances else None


@dataclass
class Figures:
    period: Period
    region: str
    tasks_by_region: list[TaskGroup]
    tasks_by_industry: list[TaskGroup]
    tasks_by_process: list[TaskGroup]
    close_by_process: list[CloseTime]
    close_by_region: list[CloseTime]
    handling: list[HandlingGroup]
    region_rates: list[rates.RateRow]
    enterprises_below: list[rates.RateRow]
    objections: dict[str, int]
    tax: dict[str, int]
    plans: dict[str, int]
    tickets: dict[tuple[str, str], int]
    extra: dict[str, Any] = field(default_factory=dict)

    def task_totals(self) -> TaskGroup:
        rows = self.tasks_by_process
        return TaskGroup("合计", *(sum(getattr(r, n) for r in rows) for n in ("opened", "closed", "returned", "overdue")))

    @property
    def handling_rate(self) -> float | None:
        total = sum(h.exceedances for h in self.handling)
        return sum(h.handled for h in self.handling) / total if total else None


def figures(session: Session, actor: Actor, period: Period, *, now: datetime | None = None,
            with_rates: bool = True) -> Figures:
    """Every figure of the period the actor may see.

    :raises NotAllowed: for enterprise and tax accounts.
    """
    scope.require_reviewer(actor)
    now = now or utcnow()
    pg = is_postgres(session)
    points = scoped_point_rates(session, actor, period, now) if with_rates else []
    enterprises = rates.enterprise_rates(session, period.months()[0], points=points)
    return Figures(
        period=period, region=scope.region_label(actor),
        tasks_by_region=_tasks(session, actor, period, now, "region"),
        tasks_by_industry=_tasks(session, actor, period, now, "industry"),
        tasks_by_process=_tasks(session, actor, period, now, "process"),
        close_by_process=_close_times(session, actor, period, ProcessInstance.process_key, pg),
        close_by_region=_close_times(session, actor, period, city_of(ProcessInstance.region_code), pg, city=True),
        handling=_handling(session, actor, period),
        region_rates=rates.region_rates(session, period.months()[0], enterprises=enterprises),
        enterprises_below=[e for e in enterprises if e.passed is False],
        objections=_objections(session, actor, period),
        tax=_tax(session, actor, period, pg),
        plans=_plans(session, actor, period),
        tickets=_tickets(session, actor, period),
    )


def _in(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _task_key(by: str) -> Any:
    if by == "region":
        return city_of(HumanTask.region_code)
    if by == "industry":
        return func.coalesce(Enterprise.industry, "")
    return HumanTask.process_key


def _tasks(session: Session, actor: Actor, period: Period, now: datetime, by: str) -> list[TaskGroup]:
    as_of = min(now, period.end)
    opened = _in(HumanTask.created_at, period)
    closed = and_(HumanTask.status == TaskStatus.COMPLETED, _in(HumanTask.completed_at, period))
    returned = and_(HumanTask.status == TaskStatus.RETURNED, _in(HumanTask.completed_at, period))
    overdue = and_(HumanTask.due_at >= period.start, HumanTask.due_at < as_of,
                   or_(HumanTask.completed_at.is_(None), HumanTask.completed_at > HumanTask.due_at),
                   HumanTask.status.in_([TaskStatus.READY, TaskStatus.COMPLETED]))
    key = _task_key(by).label("k")
    query = select(key, func.count().filter(opened), func.count().filter(closed), func.count().filter(returned),
                   func.count().filter(overdue)).select_from(HumanTask)
    if by == "industry":
        query = query.outerjoin(Enterprise, Enterprise.credit_code == HumanTask.enterprise_code)
    query = query.where(scope.clause(actor, HumanTask.region_code, HumanTask.enterprise_code),
                        or_(opened, closed, returned, overdue)).group_by(key).order_by(key)
    rows: Any = session.execute(query).all()
    suffix = "00" if by == "region" else ""
    return [TaskGroup((k or "") + suffix, int(o), int(c), int(r), int(d)) for k, o, c, r, d in rows]


def _close_times(session: Session, actor: Actor, period: Period, key_expr: Any, pg: bool, *,
                 city: bool = False) -> list[CloseTime]:
    hours = hours_between(ProcessInstance.started_at, ProcessInstance.ended_at, pg)
    key = key_expr.label("k")
    where = and_(ProcessInstance.status == InstanceStatus.COMPLETED, _in(ProcessInstance.ended_at, period),
                 scope.clause(actor, ProcessInstance.region_code, ProcessInstance.enterprise_code))
    columns: list[Any] = [key, func.count(), func.avg(hours)]
    if pg:
        columns.append(func.percentile_cont(0.9).within_group(hours))
    rows: Any = session.execute(select(*columns).where(where).group_by(key).order_by(key)).all()
    p90 = {r[0]: r[3] for r in rows} if pg else _p90_sqlite(session, key, hours, where)
    suffix = "00" if city else ""
    return [CloseTime((r[0] or "") + suffix, int(r[1]), _hours(r[2]), _hours(p90.get(r[0]))) for r in rows]


def _p90_sqlite(session: Session, key: Any, hours: Any, where: Any) -> dict[str, float]:
    """SQLite has no percentile aggregate: the durations come back sorted per group, interpolated here."""
    found: dict[str, list[float]] = {}
    rows: Any = session.execute(select(key, hours).where(where).order_by(key, hours))
    for k, h in rows:
        found.setdefault(k, []).append(float(h))
    return {k: percentile(v, 0.9) for k, v in found.items()}


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    position = (len(sorted_values) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _hours(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _handling(session: Session, actor: Actor, period: Period) -> list[HandlingGroup]:
    key = city_of(Enterprise.region_code).label("k")
    rows: Any = session.execute(
        select(key, func.count(), func.count(AnomalyCase.closed_at))
        .select_from(AnomalyCase).join(MonitoringPoint, MonitoringPoint.id == AnomalyCase.point_id)
        .join(Enterprise, Enterprise.id == MonitoringPoint.enterprise_id)
        .where(AnomalyCase.anomaly_type == "exceedance", _in(AnomalyCase.created_at, period),
               scope.clause(actor, Enterprise.region_code, Enterprise.credit_code))
        .group_by(key).order_by(key)).all()
    return [HandlingGroup(k + "00", int(n), int(h)) for k, n, h in rows]


def scoped_point_rates(session: Session, actor: Actor, period: Period, now: datetime) -> list[rates.RateRow]:
    """Point rates over the period (a year's counters summed in one pass), for the points the actor may see."""
    if period.start >= now:
        return []
    return [row for row in rates.period_rates(session, period.start, period.end, now=now)
            if scope.covers(actor, row.region_code, row.extra["enterprise"])]


def _objections(session: Session, actor: Actor, period: Period) -> dict[str, int]:
    rows: Any = session.execute(
        select(CreditObjection.status, func.count()).join(CreditRating, CreditRating.id == CreditObjection.rating_id)
        .where(_in(CreditObjection.filed_at, period),
               scope.clause(actor, CreditRating.region_code, CreditRating.enterprise_code))
        .group_by(CreditObjection.status)).all()
    return {status: int(n) for status, n in rows}


def _tax(session: Session, actor: Actor, period: Period, pg: bool) -> dict[str, int]:
    days = hours_between(TaxReview.received_at, TaxReview.answered_at, pg) / 24.0
    answered = TaxReview.answered_at.is_not(None)
    row = session.execute(select(
        func.count(), func.count().filter(answered),
        func.count().filter(and_(answered, days <= TAX_ANSWER_DAYS)),
    ).where(_in(TaxReview.received_at, period),
            scope.clause(actor, TaxReview.region_code, TaxReview.enterprise_code))).one()
    return {"received": int(row[0]), "answered": int(row[1]), "within_15_days": int(row[2])}


def _plans(session: Session, actor: Actor, period: Period) -> dict[str, int]:
    where = scope.clause(actor, EmergencyPlanFiling.region_code, EmergencyPlanFiling.enterprise_code)
    row = session.execute(select(
        func.count().filter(_in(EmergencyPlanFiling.created_at, period)),
        func.count().filter(and_(EmergencyPlanFiling.filing_number.is_not(None),
                                 _in(EmergencyPlanFiling.filed_at, period))),
    ).where(where)).one()
    return {"submitted": int(row[0]), "filed": int(row[1])}


def _tickets(session: Session, actor: Actor, period: Period) -> dict[tuple[str, str], int]:
    rows: Any = session.execute(
        select(SupportTicket.subsystem, SupportTicket.status, func.count())
        .where(_in(SupportTicket.opened_at, period),
               scope.clause(actor, SupportTicket.region_code, SupportTicket.enterprise_code))
        .group_by(SupportTicket.subsystem, SupportTicket.status)
        .order_by(SupportTicket.subsystem, SupportTicket.status)).all()
    return {(s, st): int(n) for s, st, n in rows}
