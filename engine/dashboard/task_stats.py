"""Counts of the task index behind the dashboards, limited to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db import utcnow
from engine.scoping import visible_clause
from engine.workflow.models import HumanTask, TaskStatus


@dataclass(frozen=True)
class TaskCounts:
    """Visible tasks counted by status, by process and status, and by region and status; open overdue ones."""

    total: int
    overdue: int
    by_status: dict[str, int]
    by_process: dict[str, dict[str, int]]
    by_region: dict[str, dict[str, int]]


def task_counts(session: Session, actor: Actor, now: datetime | None = None) -> TaskCounts:
    now = now or utcnow()
    visible = or_(
        visible_clause(actor, HumanTask.role, HumanTask.region_code, HumanTask.enterprise_code),
        HumanTask.assignee == actor.username,
        HumanTask.delegated_to == actor.username,
    )
    by_process: dict[str, dict[str, int]] = {}
    by_region: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    rows = session.execute(
        select(HumanTask.process_key, HumanTask.region_code, HumanTask.status, func.count())
        .where(visible).group_by(HumanTask.process_key, HumanTask.region_code, HumanTask.status)
    ).all()
    for process_key, region_code, status, count in rows:
        by_status[status] = by_status.get(status, 0) + count
        _add(by_process, process_key, status, count)
        _add(by_region, region_code, status, count)
    overdue = session.scalar(select(func.count()).select_from(HumanTask).where(
        visible, HumanTask.status == TaskStatus.READY, HumanTask.due_at < now)) or 0
    return TaskCounts(sum(by_status.values()), overdue, by_status, by_process, by_region)


def _add(table: dict[str, dict[str, int]], key: str, status: str, count: int) -> None:
    row = table.setdefault(key, {})
    row[status] = row.get(status, 0) + count
