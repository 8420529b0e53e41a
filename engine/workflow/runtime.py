"""The bridge between stored instances and live SpiffWorkflow workflows.

``advance`` is the one place where a workflow moves: it runs engine steps,
mirrors the ready user tasks into the task index, and writes the state, the
next timer and the status back — all in the caller's transaction, so the
index and the workflow can never disagree.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Select, bindparam, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.session import make_transient_to_detached

from engine.actors import SYSTEM, Actor, role_for_lane
from engine.db import utcnow
from engine.errors import Conflict, InstanceNotFound, InvalidModel
from engine.identifiers import valid_region
from engine.workflow import deadlines
from engine.workflow import hooks as process_hooks
from engine.workflow.compiler import CompiledModel
from engine.workflow.deployment import compiled, compiled_by_id
from engine.workflow.expressions import evaluate
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessModel,
    TaskStatus,
)
from engine.workflow.serialization import SERIALIZER_VERSION, dump_state, load_state
from engine.workflow.task_scan import tasks_in
from engine.write_batch import WriteBatch

log = logging.getLogger(__name__)

TIMER_EVENT_TYPES = frozenset(
    {"TimerEventDefinition", "DurationTimerEventDefinition", "TimeDateEventDefinition", "CycleTimerEventDefinition"}
)


@dataclass
class LiveInstance:
    """A loaded instance. ``indexed`` holds the spiff ids of its open task index rows: the workflow's ready
    user tasks when it was loaded (the index agrees with the state at every commit), less those the caller
    finished itself (:meth:`finished`); the advance syncs the index against it without reading it."""

    row: ProcessInstance
    compiled: CompiledModel
    workflow: BpmnWorkflow
    indexed: set[str] = field(default_factory=set)

    def finished(self, row: HumanTask) -> None:
        """The caller closed this index row itself (completed, returned, withdrawn)."""
        self.indexed.discard(row.spiff_task_id)


@dataclass(frozen=True)
class LockedTask:
    """A task index row and its instance, locked, with what an advance of the instance reads."""

    task: HumanTask
    instance: ProcessInstance
    model_sha256: str
    settings: deadlines.Settings


def lock_task(session: Session, task_id: str) -> LockedTask | None:
    """Lock a task index row and its instance in one statement that also reads the model's hash, the
    process configuration and the calendar stamp (None: no such task).

    Locking before any check keeps a completion to one read; a refused request holds the locks
    until its rollback. A waiter gets the rows as the winner committed them (PostgreSQL rechecks
    locked rows), so it sees the task finished.
    """
    found = session.execute(_lock_task_statement(), {"task_id": task_id}).one_or_none()
    if found is None:
        return None
    values: tuple[Any, ...] = tuple(found)
    task, instance, sha256, config_version, config, stamp = values
    return LockedTask(task, instance, sha256,
                      deadlines.settings(session, instance.process_key, config_version, config, stamp))


@functools.cache
def _lock_task_statement() -> Select[Any]:
    """Built once: composing it (three subqueries) costs more than running it."""
    return (
        select(HumanTask, ProcessInstance, ProcessModel.sha256,
               *deadlines.settings_subqueries(ProcessInstance.process_key))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessModel, ProcessModel.id == ProcessInstance.model_id)
        .where(HumanTask.id == bindparam("task_id"))
        .with_for_update(of=[HumanTask.__table__, ProcessInstance.__table__])
        .execution_options(populate_existing=True)
    )


def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
    """Load an instance row with a row lock (PostgreSQL), so web and scheduler never run it at once."""
    row = session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.id == instance_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        raise InstanceNotFound(f"instance {instance_id} does not exist")
    return row


def load(session: Session, row: ProcessInstance, locked: LockedTask | None = None) -> LiveInstance:
    """Rebuild the instance's workflow; ``locked`` (from :func:`lock_task`) spares reading the model and settings."""
    specs = compiled_by_id(session, row.model_id, locked.model_sha256 if locked is not None else None)
    workflow = load_state(row.state, row.serializer_version, specs.spec, specs.subprocess_specs)
    scope = deadlines.attach(workflow, session, row.process_key)  # workdays() and config() wherever Spiff evaluates
    if locked is not None:
        scope.preset(locked.settings)
    return LiveInstance(row, specs, workflow, {str(task.id) for task in _ready_user_tasks(workflow)})


def new_workflow(model: ProcessModel, data: dict[str, Any]) -> BpmnWorkflow:
    workflow = compiled(model).new_workflow()
    workflow.task_tree.data.update(data)
    return workflow


def _ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return tasks_in(workflow, TaskState.READY, manual=True)


def ready_task(live: LiveInstance, task_id: str) -> Any:
    """The workflow's READY user task with this id.

    :raises Conflict: when the workflow holds no such ready task.
    """
    task = live.workflow.get_task_from_id(UUID(task_id))
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise Conflict(f"task {task_id} is no longer waiting for input")
    return task


def advance(
    session: Session,
    live: LiveInstance,
    *,
    fire_timers: bool = False,
    actor: Actor = SYSTEM,
    writes: WriteBatch | None = None,
    then_write: Callable[[WriteBatch, list[HumanTask]], object] | None = None,
) -> list[HumanTask]:
    """Run engine steps and write everything back; returns the task index rows created now.

    The new index rows and the state go out as one :class:`WriteBatch` — the caller's
    ``writes`` if given (e.g. the task it finished), with what ``then_write`` adds to it once
    the new rows are known (e.g. the caller's audit event, which names them). Afterwards the
    process hooks of the elements the engine passed (start, end and timer events, …) run with
    ``actor`` — who caused the move — in the same transaction.

    :raises InvalidModel: when the model fails at run time (an expression names unknown data).
    """
    watched = process_hooks.registry().watches(live.row.process_key)
    finished_before = _finished_ids(live.workflow) if watched else set()
    _drop_stale_events(live.workflow)
    reminders = deadlines.pending_reminders(live.workflow) if fire_timers else {}
    current = deadlines.attach(live.workflow, session, live.row.process_key)
    with current.active():  # workdays() and config() for the expressions evaluated here (e.g. a task's due)
        try:
            if fire_timers:
                live.workflow.refresh_timers()
            _run_engine_steps(live.workflow)
        except SpiffWorkflowException as exc:
            raise InvalidModel(f"流程执行出错 (process error) in instance {live.row.id}: {exc}") from None
        created = _sync_task_index(session, live)
    deadlines.after_advance(session, live.workflow, live.row.id, current, created)
    writes = writes if writes is not None else WriteBatch(session)
    _insert_index_rows(writes, created)
    _store(writes, live)
    if then_write is not None:
        then_write(writes, created)
    writes.run()
    if reminders:
        deadlines.urge_for_fired(session, live.workflow, live.row.id, reminders)
    if watched:
        process_hooks.elements_passed(session, actor, live.row, _passed(live.workflow, finished_before))
    return created


MAX_ENGINE_ROUNDS = 20


def _run_engine_steps(workflow: BpmnWorkflow) -> None:
    """``do_engine_steps`` until no engine task is ready.

    SpiffWorkflow refreshes timers only at the end of ``do_engine_steps``; a timer
    that came due meanwhile is then READY but not run, and would wait for the next
    move of this instance. Running again takes it at once.
    """
    for _ in range(MAX_ENGINE_ROUNDS):
        workflow.do_engine_steps()
        if not tasks_in(workflow, TaskState.READY, manual=False):
            return


MULTI_INSTANCE_SUFFIX = " [child]"


def element_id(spec_name: str) -> str:
    """The BPMN element id of a task spec name: an instance of a multi-instance (countersign) step is
    named ``"<id> [child]"`` by SpiffWorkflow, and that name is what the task index keeps."""
    return spec_name.removesuffix(MULTI_INSTANCE_SUFFIX)


def _drop_stale_events(workflow: BpmnWorkflow) -> None:
    """Forget waiting events of tasks that a reset (return, withdraw) removed from the tree.

    SpiffWorkflow 3.2 leaves them in its event manager, where the next timer refresh
    fails on them (a removed boundary timer has no parent) and ``waiting_events`` would
    still report them.
    """
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        if task.workflow.tasks.get(task_id) is not task:
            manager.tasks.pop(task_id)


def _finished_ids(workflow: BpmnWorkflow) -> set[UUID]:
    return {task.id for task in tasks_in(workflow, TaskState.COMPLETED)}


def _passed(workflow: BpmnWorkflow, finished_before: set[UUID]) -> list[tuple[str, dict[str, Any]]]:
    """(element id, data) of the engine-run elements completed since ``finished_before``, in the order
    their tasks were created."""
    return [
        (task.task_spec.bpmn_id, task.data)
        for task in tasks_in(workflow, TaskState.COMPLETED, manual=False)
        if task.id not in finished_before and task.task_spec.bpmn_id
    ]


def _store(writes: WriteBatch, live: LiveInstance) -> None:
    """Queue the write of the state, next timer and status, checked against the instance's version.

    A plain statement: the state document is the largest value a completion writes, and the unit of
    work would cost more than the statement. :meth:`WriteBatch.run` raises :class:`Conflict` when the
    stored version moved on (someone else changed the instance).
    """
    row = live.row
    if inspect(row).modified:
        writes.session.flush()  # pending changes of the row (e.g. a migration's model) first, with their version bump
    values: dict[str, Any] = {
        "state": dump_state(live.workflow),
        "serializer_version": SERIALIZER_VERSION,
        "next_timer_at": next_timer_due(live.workflow),
        "version": row.version + 1,
    }
    if live.workflow.is_completed() and row.status == InstanceStatus.RUNNING:
        values.update(status=InstanceStatus.COMPLETED, ended_at=utcnow(), next_timer_at=None)
        log.info("instance %s completed", row.id)
    writes.update_row(row, values, check="version",
                      conflict=f"instance {row.id} was changed by someone else at the same time")


def _insert_index_rows(writes: WriteBatch, created: list[HumanTask]) -> None:
    """Queue one INSERT for the new rows, which join the session at once as if loaded."""
    writes.insert_rows(created)
    for row in created:
        make_transient_to_detached(row)
        writes.session.add(row)


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest pending timer, so the sweep can find due instances without loading workflows."""
    due: list[datetime] = []
    for event in workflow.waiting_events():
        if event.event_type in TIMER_EVENT_TYPES and isinstance(event.value, str):
            due.append(TimerEventDefinition.get_datetime(event.value).astimezone(timezone.utc))
    return min(due) if due else None


def _sync_task_index(session: Session, live: LiveInstance) -> list[HumanTask]:
    """Open rows for newly ready user tasks; close rows whose task is no longer ready."""
    ready = {str(t.id): t for t in _ready_user_tasks(live.workflow)}
    gone = live.indexed - ready.keys()
    if gone:
        session.execute(
            update(HumanTask)
            .where(HumanTask.instance_id == live.row.id, HumanTask.status == TaskStatus.READY,
                   HumanTask.spiff_task_id.in_(sorted(gone)))
            .values(status=TaskStatus.CANCELLED, completed_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
    created = [_index_row(live, task) for task_id, task in ready.items() if task_id not in live.indexed]
    live.indexed = set(ready)
    return created


def _index_row(live: LiveInstance, task: Any) -> HumanTask:
    spec = task.task_spec
    properties = spec.extensions.get("properties", {})
    role = role_for_lane(spec.lane)
    index = process_hooks.registry().index_fields(live.row.process_key)
    now = utcnow()
    return HumanTask(
        id=str(uuid4()),
        spiff_task_id=str(task.id),
        instance_id=live.row.id,
        process_key=live.row.process_key,
        spec_name=spec.name,
        title=spec.bpmn_name or spec.name,
        lane=spec.lane or "",
        role=role.value if role else "",
        form_key=properties.get("formKey", ""),
        region_code=_region(properties.get("region"), task.data) or live.row.region_code,
        enterprise_code=live.row.enterprise_code,
        subject=live.row.subject,
        kind=_fact(task.data, *index.kind),
        point=_fact(task.data, *index.point),
        enterprise_name=_fact(task.data, *index.enterprise_name, limit=200),
        status=TaskStatus.READY,
        due_at=_due_at(properties.get("due"), task.data, now),
        assignee=_assignee(properties.get("assignee"), task.data),
        created_at=now,
        due_provisional=False,
        **dict.fromkeys(_UNSET_AT_CREATION),
    )


# every column is given a value, as the row joins the session as if loaded (see _insert_index_rows)
_UNSET_AT_CREATION = ("config_version", "delegated_to", "delegated_by", "claimed_by", "claimed_at", "outcome",
                      "opinion", "submitted", "completed_by", "completed_at")


def _fact(data: dict[str, Any], *names: str, limit: int = 60) -> str | None:
    """The first of ``names`` present in the task data, as short text for the task index's filter columns."""
    value = next((data[name] for name in names if isinstance(data.get(name), (str, int))), None)
    return None if value is None or isinstance(value, bool) else str(value)[:limit]


def _due_at(expression: str | None, data: dict[str, Any], now: datetime) -> datetime | None:
    """Evaluate a task's ``due`` property: an ISO-8601 duration from now, or a date-time."""
    if not expression:
        return None
    try:
        value = evaluate(expression, data)
        if isinstance(value, str) and value.upper().startswith("P"):
            duration = TimerEventDefinition.parse_iso_duration(value)
            return now + TimerEventDefinition.get_timedelta_from_start(duration, now)
        return TimerEventDefinition.get_datetime(str(value)).astimezone(timezone.utc)
    except (ValueError, TypeError) as exc:
        log.warning("cannot compute due time from %r: %s", expression, exc)
        return None



def _region(expression: str | None, data: dict[str, Any]) -> str | None:
    """Evaluate a task's ``region`` property: the area whose reviewers work it (e.g. the county of a
    multi-instance item), instead of the instance's region."""
    value = _assignee(expression, data)
    if value is not None and not valid_region(value):
        raise InvalidModel(f"the region {value!r} computed from {expression!r} is no GB/T 2260 code")
    return value


def _assignee(expression: str | None, data: dict[str, Any]) -> str | None:
    """Evaluate a task's ``assignee`` property (e.g. the item of a countersign), if it has one."""
    if not expression:
        return None
    try:
        value = evaluate(expression, data)
    except (ValueError, TypeError) as exc:
        raise InvalidModel(f"cannot compute the assignee from {expression!r}: {exc}") from None
    return str(value) if value else None
