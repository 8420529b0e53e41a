"""Entering a year of the working-day calendar, and recomputing the provisional deadlines it settles.

A deadline that ran through a year without an entered schedule was recorded as
provisional (:mod:`engine.workflow.deadlines`); once the year is entered, its
instance is loaded, the deadline is recomputed from its recorded start and count,
and the timer's event value, the task's due time or the variable move with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM, Actor
from engine.audit import trail as audit
from engine.calendar import holidays as workday_calendar
from engine.calendar.models import ProvisionalDeadline
from engine.calendar.workdays import SHANGHAI, WorkdayCalendar
from engine.workflow import deadlines, runtime
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)
from engine.workflow.task_scan import OPEN, tasks_in

log = logging.getLogger(__name__)

RECOMPUTE_BATCH = 200  # instances recomputed in the transaction that enters a year; the scheduler does the rest


@dataclass(frozen=True)
class Recomputed:
    instance_id: int
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class YearEntered:
    recomputed: list[Recomputed]
    remaining: int  # instances left for the scheduler's ``deadline_recompute`` job


def enter_year(session: Session, actor: Actor, year: int, holidays: Iterable[date], makeup_workdays: Iterable[date],
               note: str = "", limit: int = RECOMPUTE_BATCH) -> YearEntered:
    """Enter a year's schedule and recompute up to ``limit`` instances whose deadlines it settles.

    :raises NotAllowed, InvalidInput: see :func:`engine.calendar.holidays.set_year`.
    """
    workday_calendar.set_year(session, actor, year, holidays, makeup_workdays, note)
    recomputed = recompute_settled(session, actor, limit)
    return YearEntered(recomputed, settled_pending(session))


def seed_calendar(session: Session, actor: Actor = SYSTEM) -> tuple[list[int], list[Recomputed]]:
    """``ecoloop calendar seed``: add the package's years, then recompute what they settle."""
    added = workday_calendar.seed(session, actor)
    return added, (recompute_settled(session, actor, RECOMPUTE_BATCH) if added else [])


def _settled_query(session: Session) -> tuple[WorkdayCalendar, Any]:
    calendar = workday_calendar.current_calendar(session)
    query = (select(ProvisionalDeadline.instance_id).distinct()
             .join(ProcessInstance, ProcessInstance.id == ProvisionalDeadline.instance_id)
             .where(ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED]),
                    ProvisionalDeadline.year.in_(sorted(calendar.known_years))))
    return calendar, query


def settled_pending(session: Session) -> int:
    """How many instances hold provisional deadlines whose years have been entered since."""
    _, query = _settled_query(session)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def recompute_settled(session: Session, actor: Actor = SYSTEM, limit: int | None = None) -> list[Recomputed]:
    """Recompute the open provisional deadlines whose unknown years have been entered since (lowest ids first)."""
    calendar, query = _settled_query(session)
    query = query.order_by(ProvisionalDeadline.instance_id)
    ids = list(session.scalars(query.limit(limit) if limit else query))
    return [r for r in (recompute_instance(session, actor, i, calendar) for i in ids) if r.changes]


def recompute_instance(session: Session, actor: Actor, instance_id: int, calendar: WorkdayCalendar) -> Recomputed:
    """Recompute one instance's provisional deadlines from their recorded start and count; audited."""
    row = runtime.lock_instance(session, instance_id)
    live = runtime.load(session, row)
    stored: dict[str, dict[str, Any]] = dict(live.workflow.data.get(deadlines.DATA_KEY) or {})
    changes = []
    for name, record in stored.items():
        if not record["provisional"] or not set(record["unknown_years"]) & calendar.known_years:
            continue
        new = deadlines.compute(calendar, datetime.fromisoformat(record["start"]), record["workdays"])
        _move(session, live, name, record, new)
        stored[name] = {**new.record(record["kind"])}
        changes.append({"name": name, "kind": record["kind"], "before": record["due"], "after": new.due,
                        "provisional": new.provisional})
    if not changes:
        deadlines.index_provisional(session, instance_id, stored)  # drop index rows the data no longer backs
        return Recomputed(instance_id, [])
    live.workflow.data[deadlines.DATA_KEY] = stored
    now = datetime.now(timezone.utc)
    overdue = any(deadlines.as_datetime(c["after"]) <= now for c in changes)
    runtime.advance(session, live, fire_timers=overdue and row.status == InstanceStatus.RUNNING)
    deadlines.index_provisional(session, instance_id, deadlines.deadline_records(live.workflow.data))
    audit.record(session, actor, "deadline.recompute", instance_id=instance_id, payload={"changes": changes})
    log.info("instance %s: %d provisional deadlines recomputed", instance_id, len(changes))
    return Recomputed(instance_id, changes)


def _move(session: Session, live: runtime.LiveInstance, name: str, record: dict[str, Any], new: deadlines.Computed) -> None:
    workflow, old = live.workflow, record["due"]
    if record["kind"] == "timer":
        for task in deadlines.waiting_timers(workflow):
            if task.task_spec.name == name and task.internal_data.get("event_value") == old:
                task._set_internal_data(event_value=new.due)
    elif record["kind"] == "task":
        old_at = deadlines.as_datetime(old)
        for row in session.scalars(select(HumanTask).where(
                HumanTask.instance_id == live.row.id, HumanTask.spec_name == name,
                HumanTask.status == TaskStatus.READY)):
            if row.due_at == old_at:
                row.due_at, row.due_provisional = new.due_at, new.provisional
    else:
        for task in tasks_in(workflow, OPEN):
            if task.data.get(name) == old:
                task.data[name] = new.due


def unknown_years_warning(session: Session, now: datetime | None = None) -> list[int]:
    """Years admins must enter: those open deadlines run into, and the current year, when not entered.

    For the admin dashboard; empty when nothing is missing.
    """
    today = (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()
    known = workday_calendar.current_calendar(session).known_years
    pending = set(session.scalars(
        select(ProvisionalDeadline.year).distinct()
        .join(ProcessInstance, ProcessInstance.id == ProvisionalDeadline.instance_id)
        .where(ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED]))
    ))
    return sorted((pending | {today.year}) - known)
