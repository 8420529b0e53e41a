"""Where a task completion's time goes: timers wrapped around the engine's phases, exclusive of each other.

Each wrapped call adds its *self* time (its duration minus that of wrapped
calls inside it) to a category, so the categories add up to the measured
total and "other" is what is left: service code, ORM queries and identity
map, session bookkeeping. The wrappers are installed only for the breakdown
run; the timed runs go without them.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import Any

import psycopg._connection_base
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import engine.audit.trail
import engine.workflow.runtime
from engine.workflow.forms import FormDefinition

DESERIALIZE = "load: deserialize state (load_state)"
ENGINE_STEP = "engine step (task.run + do_engine_steps)"
SERIALIZE = "serialize state (dump_state)"
AUDIT = "audit record (payload, hash; its SQL excluded)"
FORM = "form validation"
SQL = "SQL round trips (execute, BEGIN/COMMIT, ping)"
FLUSH = "ORM flush bookkeeping (its SQL excluded)"
OTHER = "other (services, ORM queries, session, pool)"
ORDER = (SQL, DESERIALIZE, ENGINE_STEP, SERIALIZE, AUDIT, FORM, FLUSH, OTHER)


class Breakdown:
    """Self time per category, kept with a stack of open timers."""

    def __init__(self) -> None:
        self.self_s: dict[str, float] = defaultdict(float)
        self.round_trips: Counter[str] = Counter()
        self._stack: list[list[Any]] = []
        self._undo: list[Callable[[], None]] = []
        self.paused = True  # switched on only while a task is being completed

    def enter(self, category: str) -> None:
        self._stack.append([category, perf_counter(), 0.0])

    def leave(self) -> None:
        category, began, inner = self._stack.pop()
        elapsed = perf_counter() - began
        self.self_s[category] += elapsed - inner
        if self._stack:
            self._stack[-1][2] += elapsed

    def wrap(self, owner: Any, name: str, category: str, trip: str | None = None) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.paused:
                return original(*args, **kwargs)
            if trip:
                self.round_trips[trip] += 1
            self.enter(category)
            try:
                return original(*args, **kwargs)
            finally:
                self.leave()

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def rows(self, total_s: float, completions: int) -> list[tuple[str, float, float]]:
        """(category, ms per completion, share of the total) in a fixed order."""
        measured = dict(self.self_s)
        measured[OTHER] = total_s - sum(measured.values())
        return [(c, measured.get(c, 0.0) * 1000 / completions, measured.get(c, 0.0) / total_s) for c in ORDER]


@contextmanager
def instrumented(db_engine: Engine) -> Iterator[Breakdown]:
    """Install the timers (and count round trips) for the duration of the block."""
    breakdown = Breakdown()
    breakdown.wrap(engine.workflow.runtime, "load_state", DESERIALIZE)
    breakdown.wrap(engine.workflow.runtime, "dump_state", SERIALIZE)
    breakdown.wrap(BpmnWorkflow, "do_engine_steps", ENGINE_STEP)
    breakdown.wrap(Task, "run", ENGINE_STEP)
    breakdown.wrap(engine.audit.trail, "record", AUDIT)
    breakdown.wrap(FormDefinition, "validate", FORM)
    breakdown.wrap(Session, "flush", FLUSH)
    dialect = db_engine.dialect
    breakdown.wrap(dialect, "do_ping", SQL, trip="ping (idle connection)")
    breakdown.wrap(dialect, "do_commit", SQL)
    breakdown.wrap(dialect, "do_rollback", SQL)
    _count_commands(breakdown)
    _time_statements(breakdown, db_engine)
    try:
        yield breakdown
    finally:
        for undo in reversed(breakdown._undo):
            undo()


def _count_commands(breakdown: Breakdown) -> None:
    """psycopg sends BEGIN, COMMIT and ROLLBACK through one method: count its calls as round trips."""
    base = psycopg._connection_base.BaseConnection
    original = base._exec_command

    def counted(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        if breakdown.paused:
            return original(self, command, *args, **kwargs)
        word = bytes(command).split()[0].decode() if isinstance(command, (bytes, bytearray)) else str(command)
        breakdown.round_trips[word.upper()] += 1
        return original(self, command, *args, **kwargs)

    base._exec_command = counted  # type: ignore[method-assign]
    breakdown._undo.append(lambda: setattr(base, "_exec_command", original))


def _time_statements(breakdown: Breakdown, db_engine: Engine) -> None:
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if breakdown.paused:
            return
        breakdown.round_trips[statement.split(None, 1)[0].upper()] += 1
        breakdown.enter(SQL)

    def after(*args: Any) -> None:
        if not breakdown.paused:
            breakdown.leave()

    event.listen(db_engine, "before_cursor_execute", before)
    event.listen(db_engine, "after_cursor_execute", after)
    breakdown._undo.append(lambda: event.remove(db_engine, "before_cursor_execute", before))
    breakdown._undo.append(lambda: event.remove(db_engine, "after_cursor_execute", after))


class CompletionsOnly:
    """Wraps a runner so that a probe is switched on only while ``complete`` runs."""

    def __init__(self, runner: Any, switch: Callable[[bool], None]) -> None:
        self._runner = runner
        self._switch = switch

    def start(self, case: Any) -> Any:
        return self._runner.start(case)

    def ready(self, keys: Any) -> Any:
        return self._runner.ready(keys)

    def finished(self, keys: Any) -> int:
        result: int = self._runner.finished(keys)
        return result

    def complete(self, key: Any, task_id: str, actor: Any, data: Any) -> None:
        self._switch(True)
        try:
            self._runner.complete(key, task_id, actor, data)
        finally:
            self._switch(False)
