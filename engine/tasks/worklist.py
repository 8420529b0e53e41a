"""Work lists (待办 / 已办 / 抄送我的): filters, sort and pagination in SQL on the task index; batch approval.

Every list is limited by :mod:`engine.scoping` in the query itself, so a page of
10,000 visible tasks costs one indexed count and one ``LIMIT`` query per tab.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.actors import Actor, Role
from engine.db import utcnow
from engine.errors import EcoLoopError, InvalidInput, NotAllowed, NotFound
from engine.scoping import visible_clause
from engine.tasks import actions as tasks
from engine.workflow.models import (
    HumanTask,
    NoteKind,
    ProcessModel,
    TaskNote,
    TaskStatus,
)

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PER_PAGE = 100
MAX_BATCH = 100
DUE_SOON = timedelta(hours=24)
BATCH_ROLES = frozenset({Role.COUNTY_REVIEWER, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER})


class Tab(StrEnum):
    TODO = "todo"
    DONE = "done"
    COPIES = "copies"


SORTS: dict[str, Any] = {
    "due": HumanTask.due_at,
    "created": HumanTask.created_at,
    "completed": HumanTask.completed_at,
    "subject": HumanTask.subject,
    "region": HumanTask.region_code,
}


@dataclass(frozen=True)
class TaskFilter:
    """What a list is narrowed to; every field is optional."""

    process_key: str | None = None
    kind: str | None = None
    region_code: str | None = None
    enterprise: str | None = None  # credit code, or part of the enterprise's name
    point: str | None = None
    due_before: date | None = None
    overdue: bool = False
    due_soon: bool = False


@dataclass(frozen=True)
class ListRequest:
    tab: Tab = Tab.TODO
    filters: TaskFilter = field(default_factory=TaskFilter)
    sort: str = "due"
    descending: bool = False
    page: int = 1
    per_page: int = 30


@dataclass(frozen=True)
class Row:
    task: HumanTask
    note: TaskNote | None = None  # the copy, on the 抄送 tab


@dataclass(frozen=True)
class WorkList:
    rows: list[Row]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]
    processes: list[tuple[str, str]]
    can_batch: bool
    outcomes: dict[str, dict[str, dict[str, str]]]  # form key → outcome value → label by language

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def work_list(session: Session, actor: Actor, request: ListRequest, now: datetime | None = None) -> WorkList:
    """One page of a tab with the counts of all three tabs under the same filters."""
    now = now or utcnow()
    conditions = _filter_conditions(request.filters, now)
    counts = {tab.value: _count(session, actor, tab, conditions) for tab in Tab}
    per_page = max(5, min(request.per_page, MAX_PER_PAGE))
    total = counts[request.tab.value]
    page = max(1, min(request.page, max(1, -(-total // per_page))))
    rows = _rows(session, actor, request, conditions, page, per_page)
    return WorkList(rows, total, page, per_page, counts, _processes(session), _can_batch(actor, request.tab),
                    outcome_labels(session))


def _can_batch(actor: Actor, tab: Tab) -> bool:
    return tab == Tab.TODO and bool(actor.roles & BATCH_ROLES)


def todo_clause(actor: Actor) -> ColumnElement[bool]:
    """Ready steps the actor works: unassigned ones of its role and scope, and those given to it personally."""
    scope = visible_clause(actor, HumanTask.role, HumanTask.region_code, HumanTask.enterprise_code)
    return and_(
        HumanTask.status == TaskStatus.READY,
        or_(and_(HumanTask.assignee.is_(None), scope),
            HumanTask.assignee == actor.username, HumanTask.delegated_to == actor.username),
    )


def _tab_clause(actor: Actor, tab: Tab) -> ColumnElement[bool]:
    if tab == Tab.TODO:
        return todo_clause(actor)
    if tab == Tab.DONE:
        return and_(HumanTask.completed_by == actor.username,
                    HumanTask.status.in_([TaskStatus.COMPLETED, TaskStatus.RETURNED, TaskStatus.WITHDRAWN]))
    copied = select(TaskNote.id).where(TaskNote.task_id == HumanTask.id, TaskNote.kind == NoteKind.COPY,
                                       TaskNote.target == actor.username)
    return exists(copied)


def _count(session: Session, actor: Actor, tab: Tab, conditions: list[Any]) -> int:
    query = select(func.count()).select_from(HumanTask).where(_tab_clause(actor, tab), *conditions)
    return session.scalar(query) or 0


def _rows(session: Session, actor: Actor, request: ListRequest, conditions: list[Any], page: int,
          per_page: int) -> list[Row]:
    column = SORTS.get(request.sort, HumanTask.due_at)
    if request.tab == Tab.DONE and request.sort == "due":
        column, descending = HumanTask.completed_at, True
    else:
        descending = request.descending
    order = [column.is_(None), column.desc() if descending else column.asc(), HumanTask.created_at, HumanTask.id]
    query = (select(HumanTask).where(_tab_clause(actor, request.tab), *conditions)
             .order_by(*order).offset((page - 1) * per_page).limit(per_page))
    found = list(session.scalars(query))
    if request.tab != Tab.COPIES:
        return [Row(task) for task in found]
    notes = _latest_copies(session, actor, [t.id for t in found])
    return [Row(task, notes.get(task.id)) for task in found]


def _latest_copies(session: Session, actor: Actor, task_ids: list[str]) -> dict[str, TaskNote]:
    notes: dict[str, TaskNote] = {}
    for note in session.scalars(select(TaskNote).where(
            TaskNote.task_id.in_(task_ids), TaskNote.kind == NoteKind.COPY, TaskNote.target == actor.username)
            .order_by(TaskNote.created_at)):
        notes[note.task_id] = note
    return notes


def _filter_conditions(filters: TaskFilter, now: datetime) -> list[Any]:
    conditions: list[Any] = []
    if filters.process_key:
        conditions.append(HumanTask.process_key == filters.process_key)
    if filters.kind:
        conditions.append(HumanTask.kind == filters.kind)
    if filters.region_code:
        conditions.append(HumanTask.region_code.startswith(_region_prefix(filters.region_code), autoescape=True))
    if filters.enterprise:
        text = filters.enterprise.strip()
        conditions.append(or_(HumanTask.enterprise_code == text.upper(),
                              HumanTask.enterprise_name.contains(text, autoescape=True),
                              HumanTask.subject.contains(text, autoescape=True)))
    if filters.point:
        conditions.append(HumanTask.point.startswith(filters.point.strip(), autoescape=True))
    if filters.due_before:
        end = datetime.combine(filters.due_before + timedelta(days=1), time(), SHANGHAI).astimezone(timezone.utc)
        conditions.append(HumanTask.due_at < end)
    if filters.overdue:
        conditions += [HumanTask.status == TaskStatus.READY, HumanTask.due_at < now]
    if filters.due_soon:
        conditions += [HumanTask.status == TaskStatus.READY, HumanTask.due_at >= now, HumanTask.due_at < now + DUE_SOON]
    return conditions


def _region_prefix(code: str) -> str:
    """440000 → 44, 440100 → 4401, 440106 → 440106: the codes a chosen region covers."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def outcome_labels(session: Session) -> dict[str, dict[str, dict[str, str]]]:
    """How each active form names its outcomes (通过, 异议成立 …), to show a step's result in words."""
    labels: dict[str, dict[str, dict[str, str]]] = {}
    every: list[dict[str, Any]] = list(session.scalars(select(ProcessModel.forms)
                                                       .where(ProcessModel.is_active.is_(True))))
    for forms in every:
        for key, document in (forms or {}).items():
            outcome = document.get("outcome_field") if isinstance(document, dict) else None
            field = next((f for f in document.get("fields", []) if f.get("name") == outcome), None) if outcome else None
            if field:
                labels[key] = {str(o.get("value")): dict(o.get("label") or {}) for o in field.get("options") or []}
    return labels


def _processes(session: Session) -> list[tuple[str, str]]:
    rows = session.execute(select(ProcessModel.key, ProcessModel.name).where(ProcessModel.is_active.is_(True))
                           .order_by(ProcessModel.key)).all()
    return [(key, name) for key, name in rows]


@dataclass(frozen=True)
class BatchResult:
    task_id: str
    title: str
    subject: str
    ok: bool
    message: str


def batch_complete(session: Session, actor: Actor, task_ids: list[str], data: dict[str, Any]) -> list[BatchResult]:
    """批量审核: complete each task with the same decision, each in its own savepoint.

    A task that fails (finished meanwhile, not in scope, form not satisfied) is reported
    and leaves no trace; the others go through.

    :raises NotAllowed: for actors without a reviewer role.
    :raises InvalidInput: when no task or more than ``MAX_BATCH`` tasks are given.
    """
    if not actor.roles & BATCH_ROLES:
        raise NotAllowed("批量审核仅限审核人员 (reviewers only)")
    wanted = list(dict.fromkeys(task_ids))
    if not wanted or len(wanted) > MAX_BATCH:
        raise InvalidInput("请选择要审核的事项", fields={"task_ids": [f"1–{MAX_BATCH} 项 (1–{MAX_BATCH} tasks)"]})
    return [_complete_one(session, actor, task_id, data) for task_id in wanted]


def _complete_one(session: Session, actor: Actor, task_id: str, data: dict[str, Any]) -> BatchResult:
    savepoint = session.begin_nested()
    try:
        task = tasks.complete(session, actor, task_id, dict(data))
        title, subject = task.title, task.subject
        savepoint.commit()
        return BatchResult(task_id, title, subject, True, "")
    except EcoLoopError as exc:
        savepoint.rollback()
        raw = exc.details.get("fields")
        fields: dict[str, list[str]] = raw if isinstance(raw, dict) else {}
        detail = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
        title, subject = _describe(session, actor, task_id)
        log.info("batch completion of %s by %s refused: %s", task_id, actor.username, exc.message)
        return BatchResult(task_id, title, subject, False, f"{exc.message} {detail}".strip())


def _describe(session: Session, actor: Actor, task_id: str) -> tuple[str, str]:
    """A task's title and subject for the result table, or blanks when the actor may not see it."""
    try:
        task = tasks.get_task(session, actor, task_id)
    except NotFound:
        return "", ""
    return task.title, task.subject
