"""Dashboards per role (工作台): every figure aggregated in SQL over what the viewer may see.

- tasks: open, overdue, due within 24 hours, closed in the last 30 days;
- cases: closure rate and mean time to close by city (province viewers) or county
  (city and county viewers), and by anomaly type;
- anomalies per day (30 days) and cases opened / closed per month (12 months).

Days and months are Shanghai calendar days. The anomaly type of a case is the
``kind`` its steps carry in the task index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor, Role
from engine.dashboard.inspection_card import InspectionCard, inspection_card
from engine.db import is_postgres, utcnow
from engine.errors import NotAllowed
from engine.scoping import instance_clause
from engine.tasks.worklist import todo_clause
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
)

DAYS = 30
MONTHS = 12
TOP_OVERDUE = 8


@dataclass(frozen=True)
class GroupStat:
    key: str
    total: int
    closed: int
    mean_hours: float | None

    @property
    def rate(self) -> float:
        return round(100.0 * self.closed / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class Dashboard:
    level: str  # "city" or "county": how the regional table is grouped
    open: int
    overdue: int
    due_soon: int
    closed_30d: int
    my_todo: int
    cases_total: int
    cases_closed: int
    mean_hours: float | None
    by_region: list[GroupStat]
    by_kind: list[GroupStat]
    per_day: list[tuple[str, int]]
    per_month: list[tuple[str, int, int]]
    overdue_tasks: list[HumanTask]
    processes: list[tuple[str, str]]
    inspection: InspectionCard

    @property
    def closure_rate(self) -> float:
        return round(100.0 * self.cases_closed / self.cases_total, 1) if self.cases_total else 0.0


def dashboard(session: Session, actor: Actor, now: datetime | None = None, process_key: str | None = None) -> Dashboard:
    """Figures of every case the actor may see, or of one process's cases.

    :raises NotAllowed: for enterprise and tax accounts (they have the portal).
    """
    if not actor.roles & {Role.ADMIN, Role.PROVINCE_REVIEWER, Role.CITY_REVIEWER, Role.COUNTY_REVIEWER}:
        raise NotAllowed("工作台仅面向审核人员和管理员 (reviewers and administrators only)")
    now = now or utcnow()
    pg = is_postgres(session)
    scope = instance_clause(actor, ProcessInstance.region_code, ProcessInstance.enterprise_code,
                            ProcessInstance.process_key)
    tasks_scope = instance_clause(actor, HumanTask.region_code, HumanTask.enterprise_code, HumanTask.process_key)
    if process_key:
        scope = and_(scope, ProcessInstance.process_key == process_key)
        tasks_scope = and_(tasks_scope, HumanTask.process_key == process_key)
    counts = _task_counts(session, tasks_scope, now)
    level = "city" if actor.is_admin or Role.PROVINCE_REVIEWER in actor.roles else "county"
    total, closed, mean = _case_totals(session, scope, pg)
    return Dashboard(
        level=level, open=counts[0], overdue=counts[1], due_soon=counts[2], closed_30d=counts[3],
        my_todo=session.scalar(select(func.count()).select_from(HumanTask).where(todo_clause(actor), tasks_scope)) or 0,
        cases_total=total, cases_closed=closed, mean_hours=mean,
        by_region=_grouped(session, scope, _region_key(level), pg, cities=level == "city"),
        by_kind=_grouped(session, scope, _kind_column(), pg),
        per_day=_per_day(session, scope, now, pg),
        per_month=_per_month(session, scope, now, pg),
        overdue_tasks=list(session.scalars(select(HumanTask).where(
            tasks_scope, HumanTask.status == TaskStatus.READY, HumanTask.due_at < now)
            .order_by(HumanTask.due_at).limit(TOP_OVERDUE))),
        processes=[(k, n) for k, n in session.execute(select(ProcessModel.key, ProcessModel.name).where(
            ProcessModel.is_active.is_(True)).order_by(ProcessModel.key)).all()],
        inspection=inspection_card(session, actor, now),
    )


def _task_counts(session: Session, scope: ColumnElement[bool], now: datetime) -> tuple[int, int, int, int]:
    ready = HumanTask.status == TaskStatus.READY
    row = session.execute(select(
        func.count().filter(ready),
        func.count().filter(and_(ready, HumanTask.due_at < now)),
        func.count().filter(and_(ready, HumanTask.due_at >= now, HumanTask.due_at < now + timedelta(hours=24))),
        func.count().filter(and_(HumanTask.status == TaskStatus.COMPLETED,
                                 HumanTask.completed_at >= now - timedelta(days=DAYS))),
    ).where(scope)).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _hours(pg: bool) -> Any:
    started, ended = ProcessInstance.started_at, ProcessInstance.ended_at
    if pg:
        return func.extract("epoch", ended - started) / 3600.0
    return (func.julianday(ended) - func.julianday(started)) * 24.0


def _closed() -> ColumnElement[bool]:
    return ProcessInstance.status == InstanceStatus.COMPLETED


def _case_totals(session: Session, scope: ColumnElement[bool], pg: bool) -> tuple[int, int, float | None]:
    closed = _closed()
    row = session.execute(select(
        func.count(), func.count().filter(closed), func.avg(case((closed, _hours(pg)), else_=None)),
    ).where(scope)).one()
    return int(row[0]), int(row[1]), _round(row[2])


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _region_key(level: str) -> Any:
    if level == "city":
        return func.substr(ProcessInstance.region_code, 1, 4)
    return ProcessInstance.region_code


def _kind_column() -> Any:
    """The anomaly type of each case, from its steps in the task index (indexed by instance)."""
    return select(func.max(HumanTask.kind)).where(HumanTask.instance_id == ProcessInstance.id).scalar_subquery()


def _grouped(session: Session, scope: ColumnElement[bool], key: Any, pg: bool, *, cities: bool = False) -> list[GroupStat]:
    closed = _closed()
    label = key.label("k")
    rows: list[Any] = list(session.execute(select(
        label, func.count(), func.count().filter(closed), func.avg(case((closed, _hours(pg)), else_=None)),
    ).where(scope).group_by(label).order_by(func.count().desc())).all())
    result = []
    for k, total, done, mean in rows:
        code = str(k) if k is not None else ""
        if cities and len(code) == 4:
            code += "00"
        result.append(GroupStat(code, int(total), int(done), _round(mean)))
    return result


def _local(column: Any, pattern_pg: str, pattern_sqlite: str, pg: bool) -> Any:
    if pg:
        return func.to_char(func.timezone("Asia/Shanghai", column), pattern_pg)
    return func.strftime(pattern_sqlite, column, "+8 hours")


def _per_day(session: Session, scope: ColumnElement[bool], now: datetime, pg: bool) -> list[tuple[str, int]]:
    since = now - timedelta(days=DAYS)
    day = _local(ProcessInstance.started_at, "YYYY-MM-DD", "%Y-%m-%d", pg).label("d")
    rows: dict[str, int] = dict(session.execute(select(day, func.count()).where(
        scope, ProcessInstance.started_at >= since, _kind_column().is_not(None)).group_by(day)).all())
    days = [(now + timedelta(hours=8) - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(DAYS - 1, -1, -1)]
    return [(d, int(rows.get(d, 0))) for d in days]


def _per_month(session: Session, scope: ColumnElement[bool], now: datetime, pg: bool) -> list[tuple[str, int, int]]:
    months = _last_months(now)
    since = datetime.fromisoformat(months[0] + "-01T00:00:00+08:00")
    opened_key = _local(ProcessInstance.started_at, "YYYY-MM", "%Y-%m", pg).label("m")
    closed_key = _local(ProcessInstance.ended_at, "YYYY-MM", "%Y-%m", pg).label("m")
    opened: dict[str, int] = dict(session.execute(select(opened_key, func.count()).where(
        scope, ProcessInstance.started_at >= since).group_by(opened_key)).all())
    closed: dict[str, int] = dict(session.execute(select(closed_key, cast(func.count(), Integer)).where(
        scope, _closed(), ProcessInstance.ended_at >= since).group_by(closed_key)).all())
    return [(m, int(opened.get(m, 0)), int(closed.get(m, 0))) for m in months]


def _last_months(now: datetime) -> list[str]:
    local = now + timedelta(hours=8)
    year, month = local.year, local.month
    months = []
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(months))
