"""Human tasks: list what an actor may see, claim, unclaim, and complete with validated form data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.audit import log as audit_log
from engine.audit import trail as audit
from engine.db import utcnow
from engine.errors import (
    AttachmentNotFound,
    Conflict,
    InvalidForm,
    NotAllowed,
    PreconditionFailed,
    TaskNotFound,
)
from engine.evidence import library as evidence
from engine.evidence.models import Attachment
from engine.scoping import can_see, can_work, visible_clause
from engine.workflow import configs, runtime
from engine.workflow import hooks as process_hooks
from engine.workflow.compiler import CompiledModel
from engine.workflow.deployment import compiled_by_id
from engine.workflow.forms import FormDefinition
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)
from engine.write_batch import WriteBatch

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class TaskQuery:
    """Filters of a task list; ``status`` None means every status."""

    status: TaskStatus | None = TaskStatus.READY
    process_key: str | None = None
    region_code: str | None = None
    enterprise_code: str | None = None
    overdue_at: datetime | None = None
    completed_by: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class TaskPage:
    items: list[HumanTask]
    total: int
    page: int
    per_page: int


def list_tasks(session: Session, actor: Actor, query: TaskQuery) -> TaskPage:
    """The tasks the actor may see, filtered and paginated in SQL (due first, then oldest)."""
    conditions = [or_(
        visible_clause(actor, HumanTask.role, HumanTask.region_code, HumanTask.enterprise_code),
        HumanTask.assignee == actor.username,
        HumanTask.delegated_to == actor.username,
    )]
    conditions += _filters(query)
    per_page = max(1, min(query.per_page, MAX_PAGE_SIZE))
    page = max(1, query.page)
    total = session.scalar(select(func.count()).select_from(HumanTask).where(*conditions)) or 0
    items = session.scalars(
        select(HumanTask)
        .where(*conditions)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return TaskPage(list(items), total, page, per_page)


def _filters(query: TaskQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.status is not None:
        conditions.append(HumanTask.status == query.status)
    if query.process_key:
        conditions.append(HumanTask.process_key == query.process_key)
    if query.region_code:
        conditions.append(HumanTask.region_code.startswith(query.region_code, autoescape=True))
    if query.enterprise_code:
        conditions.append(HumanTask.enterprise_code == query.enterprise_code)
    if query.overdue_at is not None:
        conditions.append(HumanTask.due_at < query.overdue_at)
    if query.completed_by:
        conditions.append(HumanTask.completed_by == query.completed_by)
    return conditions


def get_task(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """:raises TaskNotFound: when the task does not exist or lies outside the actor's scope."""
    task = session.get(HumanTask, task_id) if _plausible_id(task_id) else None
    if task is None or not may_see(actor, task):
        raise TaskNotFound(f"task {task_id} not found")
    return task


def _plausible_id(task_id: Any) -> bool:
    return isinstance(task_id, str) and len(task_id) <= 36


def may_see(actor: Actor, task: HumanTask) -> bool:
    """Whether the actor may open the task (its own, or within its role, region and enterprise scope)."""
    personal = actor.username in (task.assignee, task.delegated_to)
    return personal or can_see(actor, task.role, task.region_code, task.enterprise_code)


def task_form(session: Session, task: HumanTask) -> FormDefinition:
    """The form definition the task's model version declares for it."""
    return compiled_of(session, task).forms[task.form_key]


def compiled_of(session: Session, task: HumanTask) -> CompiledModel:
    """The compiled model version the task's instance runs on (its ≈20 KB row read only when not cached)."""
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    return compiled_by_id(session, instance.model_id)


def claim(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """Take a ready task so that colleagues see who works on it.

    :raises Conflict: when someone else holds it or it is finished.
    """
    task = workable(session, actor, task_id)
    if task.claimed_by not in (None, actor.username):
        raise Conflict(f"task {task_id} is already claimed by {task.claimed_by}")
    task.claimed_by, task.claimed_at = actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "task.claim", instance_id=task.instance_id, task_id=task.id)
    return task


def unclaim(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """Give a claimed task back; the claimant or an admin may do it."""
    task = get_task(session, actor, task_id)
    _require_ready(task)
    if task.claimed_by is None:
        raise Conflict(f"task {task_id} is not claimed")
    if task.claimed_by != actor.username and not actor.is_admin:
        raise NotAllowed(f"task {task_id} is claimed by {task.claimed_by}")
    previous, task.claimed_by, task.claimed_at = task.claimed_by, None, None
    session.flush()
    audit.record(session, actor, "task.unclaim", instance_id=task.instance_id, task_id=task.id,
                 payload={"was_claimed_by": previous})
    return task


def complete(
    session: Session, actor: Actor, task_id: str, data: Any, *, expected_version: int | None = None
) -> HumanTask:
    """Complete a task with form data and move its instance on, in one transaction.

    :param expected_version: the instance version the caller saw (``If-Match``), if any.
    :raises TaskNotFound: outside the actor's scope.
    :raises NotAllowed: the actor's role may not work this step.
    :raises Conflict: the task is finished, claimed by another, or the instance changed meanwhile.
    :raises PreconditionFailed: ``expected_version`` is not the current version.
    :raises InvalidForm: the data does not satisfy the task's form (fields named).
    """
    locked = runtime.lock_task(session, task_id) if _plausible_id(task_id) else None
    if locked is None or not may_see(actor, locked.task):
        raise TaskNotFound(f"task {task_id} not found")
    task, instance = locked.task, locked.instance
    _require_workable(actor, task)
    if instance.status != InstanceStatus.RUNNING:
        raise Conflict(f"instance {instance.id} is {instance.status}; task {task_id} cannot be completed")
    if expected_version is not None and expected_version != instance.version:
        raise PreconditionFailed(f"instance {instance.id} is at version {instance.version}, not {expected_version}")
    if task.claimed_by not in (None, actor.username):
        raise Conflict(f"task {task_id} is claimed by {task.claimed_by}")
    live = runtime.load(session, instance, locked)
    form = live.compiled.forms[task.form_key]
    cleaned = form.validate(data, _config_of(session, task, locked) if form.config_keys else None)
    attachments = _evidence(session, actor, form, cleaned)
    spiff_task = runtime.ready_task(live, task.spiff_task_id)
    submitted = _json_ready(cleaned)
    spiff_task.data.update(submitted)
    process_hooks.step_completed(process_hooks.StepContext(
        session, actor, instance, spiff_task.task_spec.bpmn_id, spiff_task.data, task))
    spiff_task.run()
    writes = WriteBatch(session)
    _mark_completed(writes, task, actor, form, cleaned, submitted)
    live.finished(task)
    evidence.link(session, actor, task, attachments)

    def record(batch: WriteBatch, created: list[HumanTask]) -> None:
        audit.record(
            session, actor, "task.complete", instance_id=instance.id, task_id=task.id, writes=batch,
            payload={"step": task.spec_name, "outcome": task.outcome, "opinion": task.opinion, "data": cleaned,
                     "next": [t.spec_name for t in created]},
        )

    runtime.advance(session, live, actor=actor, writes=writes, then_write=record)
    log.info("task %s (%s) of instance %s completed by %s", task.id, task.spec_name, instance.id, actor.username)
    return task


def _evidence(session: Session, actor: Actor, form: FormDefinition, cleaned: dict[str, Any]) -> list[Attachment]:
    """The attachments named in the form's attachment fields, all from the actor's own library."""
    found: list[Attachment] = []
    for definition in form.fields:
        if definition["type"] != "attachments":
            continue
        try:
            found += evidence.own_attachments(session, actor, cleaned.get(definition["name"]) or [])
        except AttachmentNotFound as exc:
            raise InvalidForm("证明材料无效 (invalid evidence)", fields={definition["name"]: [exc.message]}) from None
    return found


def _config_of(session: Session, task: HumanTask, locked: runtime.LockedTask) -> dict[str, Any]:
    """The configuration the task was created under (usually the one in force, read with the lock)."""
    if task.config_version == locked.settings.config_version:
        return locked.settings.config
    return configs.values_at(session, task.process_key, task.config_version)


def workable(session: Session, actor: Actor, task_id: str) -> HumanTask:
    task = get_task(session, actor, task_id)
    _require_workable(actor, task)
    return task


def _require_workable(actor: Actor, task: HumanTask) -> None:
    if not may_work(actor, task):
        raise NotAllowed(f"{actor.username} may not work task {task.id} ({task.title})")
    _require_ready(task)
    if task.delegated_to is not None:
        raise Conflict(f"task {task.id} is delegated to {task.delegated_to} for an opinion")


def may_work(actor: Actor, task: HumanTask) -> bool:
    """The step's role in scope, and the assignee if the step is pinned to one person."""
    if task.assignee is not None:
        return task.assignee == actor.username
    return can_work(actor, task.role, task.region_code, task.enterprise_code)


def _require_ready(task: HumanTask) -> None:
    if task.status != TaskStatus.READY:
        raise Conflict(f"task {task.id} ({task.title}) is already {task.status}")


def _mark_completed(writes: WriteBatch, task: HumanTask, actor: Actor, form: FormDefinition,
                    cleaned: dict[str, Any], submitted: dict[str, Any]) -> None:
    values: dict[str, Any] = {"status": TaskStatus.COMPLETED, "completed_by": actor.username,
                              "completed_at": utcnow(), "submitted": submitted}
    if form.outcome_field:
        values["outcome"] = _text(cleaned.get(form.outcome_field))
    if form.opinion_field:
        values["opinion"] = _text(cleaned.get(form.opinion_field))
    writes.update_row(task, values)  # locked by the caller


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _json_ready(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Dates become ISO strings, so task data and the stored submission stay plain JSON."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in cleaned.items()}


@dataclass(frozen=True)
class TaskDetail:
    """Everything a task page shows: the task, its form, the instance context and earlier steps."""

    task: HumanTask
    form: FormDefinition
    instance: ProcessInstance
    context: dict[str, Any]
    history: list[HumanTask]
    evidence: dict[str, list[Attachment]]
    workable: bool


def task_detail(session: Session, actor: Actor, task_id: str) -> TaskDetail:
    """:raises TaskNotFound: outside the actor's scope."""
    return detail_of(session, actor, get_task(session, actor, task_id))


def detail_of(session: Session, actor: Actor, task: HumanTask) -> TaskDetail:
    """The page data of a task the caller has already found readable for ``actor``."""
    instance = session.get(ProcessInstance, task.instance_id)
    assert instance is not None
    history = list(session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.COMPLETED)
        .order_by(HumanTask.completed_at)
    ))
    return TaskDetail(
        task=task,
        form=compiled_by_id(session, instance.model_id).forms[task.form_key],
        instance=instance,
        context=audit_log.start_data(session, instance.id),
        history=history,
        evidence={t.id: evidence.task_attachments(session, t.id) for t in history},
        workable=task.status == TaskStatus.READY and task.delegated_to is None and may_work(actor, task),
    )
