"""Working-day deadlines in BPMN models: computed while an instance advances, recorded, recomputed.

A model writes ``workdays(n)`` in a user task's ``due`` property or in a timer
(``timeDate``): it returns the end of the n-th working day after today
(23:59:59 Asia/Shanghai) as an ISO date-time; ``workdays(0)`` is the end of
today. ``config("key")`` returns the process configuration in force, so
``workdays(config("explain_workdays"))`` follows a configuration change for every
task created after it. Both need the instance's :class:`Scope` (its session and
process): :func:`attach` gives a loaded workflow a script engine that activates the
scope around every evaluation SpiffWorkflow makes for it — in ``advance`` or
anywhere else (a reset for a return or a withdrawal re-arms timers, too) — and
the runtime activates it around the evaluations it makes itself (a task's
``due``). ``engine/workflow/expressions.py`` explains why a ContextVar carries it.

Every value ``workdays`` returns is remembered for the advance. Afterwards
:func:`after_advance` finds what consumed it — a waiting timer (by its event
value), a new task index row (by its due time) or a variable in the data of a
waiting task — and records it in the workflow data as
``_deadlines[name] = {"kind", "start", "workdays", "due", "provisional", "unknown_years"}``
(names starting with ``_`` are invisible to model expressions). A deadline that
ran through a year without an entered schedule is *provisional*: its task row
gets ``due_provisional``, and ``provisional_deadlines`` indexes it so that
entering the year (:func:`engine.workflow.recompute.enter_year`) recomputes it from the recorded start and
count, moving the timer's event value, the task's due time and the variable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.actors import SYSTEM
from engine.audit import trail as audit
from engine.calendar import holidays as workday_calendar
from engine.calendar.models import ProvisionalDeadline
from engine.calendar.workdays import END_OF_DAY, SHANGHAI, WorkdayCalendar
from engine.workflow import configs
from engine.workflow.expressions import providing
from engine.workflow.models import (
    HumanTask,
    NoteKind,
    TaskNote,
    TaskStatus,
)
from engine.workflow.task_scan import OPEN, tasks_in

log = logging.getLogger(__name__)

DATA_KEY = "_deadlines"
MAX_WORKDAYS = 366
SYSTEM_NOTE = "系统提醒：{name}"


@dataclass(frozen=True)
class Computed:
    """One value ``workdays()`` returned during an advance."""

    start: datetime
    workdays: int
    due_at: datetime
    due: str
    provisional: bool
    unknown_years: frozenset[int]

    def record(self, kind: str) -> dict[str, Any]:
        return {"kind": kind, "start": self.start.isoformat(), "workdays": self.workdays, "due": self.due,
                "provisional": self.provisional, "unknown_years": sorted(self.unknown_years)}


@dataclass(frozen=True)
class Settings:
    """What the expression functions read besides the instance, read with the instance's lock."""

    config_version: int
    config: dict[str, Any]
    calendar: WorkdayCalendar


def settings_subqueries(process_key: Any) -> tuple[Any, Any, Any]:
    """Scalar subqueries for :func:`settings` (config version, config values, calendar stamp)."""
    return (*configs.newest_subqueries(process_key), workday_calendar.stamp_query().scalar_subquery())


def settings(session: Session, process_key: str, config_version: int | None, config: dict[str, Any] | None,
             calendar_stamp: str | None) -> Settings:
    """The :class:`Settings` from the values of :func:`settings_subqueries`."""
    return Settings(config_version or 0, configs.over_defaults(process_key, config),
                    workday_calendar.calendar_at(session, calendar_stamp))


@dataclass
class Scope:
    """What the expression functions of one advance read, and the deadlines they computed."""

    session: Session
    process_key: str
    computed: list[Computed] = field(default_factory=list)
    _calendar: WorkdayCalendar | None = None
    _config: dict[str, Any] | None = None
    _config_version: int | None = None

    def preset(self, settings: Settings) -> None:
        """Use settings read already instead of querying them on first use."""
        self._config_version, self._config, self._calendar = settings.config_version, settings.config, settings.calendar

    @property
    def calendar(self) -> WorkdayCalendar:
        if self._calendar is None:
            self._calendar = workday_calendar.current_calendar(self.session)
        return self._calendar

    @property
    def config_version(self) -> int:
        if self._config_version is None:
            self._config_version = configs.current_version(self.session, self.process_key)
        return self._config_version

    def workdays(self, n: Any) -> str:
        start = datetime.now(timezone.utc)
        computed = compute(self.calendar, start, _count(n))
        self.computed.append(computed)
        return computed.due

    def config(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise ValueError("config() takes the name of a configuration value")
        if self._config is None:
            self._config = configs.current_values(self.session, self.process_key)
        if name not in self._config:
            raise ValueError(f"process {self.process_key} has no configuration value {name!r}")
        return self._config[name]

    @contextmanager
    def active(self) -> Iterator[Scope]:
        """Provide ``workdays`` and ``config`` to the evaluations inside the ``with`` block."""
        with providing({"workdays": self.workdays, "config": self.config}):
            yield self


class ScopedScriptEngine:
    """The shared safe script engine, with one instance's scope active while it evaluates for that instance."""

    def __init__(self, base: Any, scope: Scope) -> None:
        self._base, self.scope = base, scope

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        with self.scope.active():
            return self._base.evaluate(task, expression, external_context)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        with self.scope.active():
            return self._base.execute(task, script, external_context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


def attach(workflow: Any, session: Session, process_key: str) -> Scope:
    """The workflow's scope for this session, giving it a scoped script engine on first use."""
    engine = workflow.script_engine
    if isinstance(engine, ScopedScriptEngine):
        if engine.scope.session is session:
            return engine.scope
        engine = engine._base
    current = Scope(session, process_key)
    workflow.script_engine = ScopedScriptEngine(engine, current)
    return current


def _count(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, float)) or n != int(n):
        raise ValueError(f"workdays() takes a whole number of working days, not {n!r}")
    if not 0 <= n <= MAX_WORKDAYS:
        raise ValueError(f"workdays() takes 0 to {MAX_WORKDAYS} working days, not {n}")
    return int(n)


def compute(calendar: WorkdayCalendar, start: datetime, n: int) -> Computed:
    """The deadline ``n`` working days after ``start``'s date; 0 is the end of that day itself."""
    if n == 0:
        today = start.astimezone(SHANGHAI).date()
        due_at = datetime.combine(today, END_OF_DAY, tzinfo=SHANGHAI)
        unknown = frozenset({today.year} - calendar.known_years)
    else:
        deadline = calendar.add_workdays(start, n)
        due_at, unknown = deadline.due_at, deadline.unknown_years
    return Computed(start, n, due_at, due_at.isoformat(), bool(unknown), unknown)


# --- after an advance: record what consumed each deadline -------------------------------------------

def after_advance(session: Session, workflow: Any, instance_id: int, current: Scope, created: list[HumanTask]) -> None:
    """Record the deadlines of this advance, mark provisional task rows, keep the index table in step."""
    stored: dict[str, dict[str, Any]] = dict(workflow.data.get(DATA_KEY) or {})
    had_provisional = any(r.get("provisional") for r in stored.values())
    for row in created:
        row.config_version = current.config_version
    if not stored and not current.computed:
        return
    waiting = tasks_in(workflow, OPEN)
    if current.computed or (created and stored):
        _record_consumers(waiting, current.computed, created, stored)
        current.computed.clear()
    stored = {name: record for name, record in stored.items() if _is_live(waiting, name, record)}
    if stored:
        workflow.data[DATA_KEY] = stored
    else:
        workflow.data.pop(DATA_KEY, None)
    if had_provisional or any(r["provisional"] for r in stored.values()):
        index_provisional(session, instance_id, stored)


def _record_consumers(waiting: list[Any], computed: list[Computed], created: list[HumanTask],
                      stored: dict[str, dict[str, Any]]) -> None:
    """Match consumers by value: this advance's deadlines, and variables holding an earlier one.

    :param waiting: the workflow's ready and waiting tasks.
    """
    by_value = {r["due"]: r for r in stored.values() if r["kind"] == "data"}
    by_value.update({c.due: c.record("data") for c in computed})
    by_instant = {TimerEventDefinition.get_datetime(due): record for due, record in by_value.items()}
    for task in _timers(waiting):
        match = by_value.get(task.internal_data.get("event_value"))
        if match is not None:
            stored[task.task_spec.name] = {**match, "kind": "timer"}
    for row in created:
        match = by_instant.get(row.due_at) if row.due_at is not None else None
        if match is not None:
            stored[row.spec_name] = {**match, "kind": "task"}
            row.due_provisional = bool(match["provisional"])
    fresh = {c.due for c in computed}
    for task in waiting:
        for name, value in task.data.items():
            if isinstance(value, str) and value in fresh and not name.startswith("_"):
                stored[name] = {**by_value[value], "kind": "data"}


def _timers(tasks: list[Any]) -> list[Any]:
    """The waiting timer events among ``tasks``."""
    return [t for t in tasks if t.state == TaskState.WAITING
            and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def waiting_timers(workflow: Any) -> list[Any]:
    return _timers(tasks_in(workflow, TaskState.WAITING))


def _is_live(waiting: list[Any], name: str, record: dict[str, Any]) -> bool:
    """Whether what consumed the deadline still waits: its timer, its ready task or a task holding the variable.

    :param waiting: the workflow's ready and waiting tasks.
    """
    if record["kind"] == "timer":
        return any(t.task_spec.name == name and t.internal_data.get("event_value") == record["due"]
                   for t in _timers(waiting))
    if record["kind"] == "task":
        return any(t.state == TaskState.READY and t.task_spec.manual and t.task_spec.name == name for t in waiting)
    return any(t.data.get(name) == record["due"] for t in waiting)


def index_provisional(session: Session, instance_id: int, stored: dict[str, dict[str, Any]]) -> None:
    session.execute(delete(ProvisionalDeadline).where(ProvisionalDeadline.instance_id == instance_id))
    session.add_all(
        ProvisionalDeadline(instance_id=instance_id, name=name[:100], year=year,
                            due_at=TimerEventDefinition.get_datetime(record["due"]))
        for name, record in sorted(stored.items()) if record["provisional"] for year in record["unknown_years"]
    )


# --- reminders: a non-interrupting timer on a user task urges whoever holds it ----------------------

def pending_reminders(workflow: Any) -> dict[Any, tuple[str, str]]:
    """Waiting non-interrupting timers attached to user tasks: timer task id → (timer name, user task id)."""
    reminders = {}
    for timer in waiting_timers(workflow):
        if getattr(timer.task_spec, "cancel_activity", True) or timer.parent is None:
            continue
        attached = next((t for t in timer.parent.children if t.task_spec.manual), None)
        if attached is not None:
            reminders[timer.id] = (timer.task_spec.bpmn_name or timer.task_spec.name, str(attached.id))
    return reminders


def urge_for_fired(session: Session, workflow: Any, instance_id: int,
                   before: dict[Any, tuple[str, str]]) -> list[TaskNote]:
    """For each reminder timer that fired, a 催办 note by the system on the task it is attached to."""
    notes = []
    for timer_id, (name, spiff_task_id) in before.items():
        timer = workflow.get_task_from_id(timer_id)
        if timer is None or timer.state != TaskState.COMPLETED:
            continue
        row = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.spiff_task_id == spiff_task_id,
            HumanTask.status == TaskStatus.READY)).first()
        if row is None:
            continue
        holder = row.delegated_to or row.claimed_by or row.assignee
        note = TaskNote(task_id=row.id, instance_id=row.instance_id, kind=NoteKind.URGE.value,
                        author=SYSTEM.username, target=holder, body=SYSTEM_NOTE.format(name=name))
        session.add(note)
        session.flush()
        audit.record(session, SYSTEM, "task.urge", instance_id=row.instance_id, task_id=row.id,
                     payload={"holder": holder, "role": row.role, "timer": name, "automatic": True})
        notes.append(note)
    return notes


def as_datetime(due: str) -> datetime:
    """A recorded deadline's ISO date-time as SpiffWorkflow's timers read it."""
    return TimerEventDefinition.get_datetime(due)


def deadline_records(workflow_data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The recorded deadlines of an instance's workflow data (for pages and tests)."""
    return dict(workflow_data.get(DATA_KEY) or {})


