"""Checking that the task index agrees with the stored workflow state (for tests and operators)."""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.workflow import runtime
from engine.workflow.models import (
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)


@dataclass(frozen=True)
class Mismatch:
    instance_id: int
    only_in_workflow: frozenset[str]
    only_in_index: frozenset[str]


def check_instance(session: Session, row: ProcessInstance) -> Mismatch | None:
    """Compare the workflow's ready user tasks with the index's open rows of one instance."""
    live = runtime.load(session, row)
    ready = {str(t.id) for t in live.workflow.get_tasks(state=TaskState.READY, manual=True)}
    if row.status == InstanceStatus.TERMINATED:
        ready = set()  # termination cancels the open steps in the index and leaves the workflow as it was
    indexed = set(session.scalars(select(HumanTask.spiff_task_id).where(
        HumanTask.instance_id == row.id, HumanTask.status == TaskStatus.READY)))
    if ready == indexed:
        return None
    return Mismatch(row.id, frozenset(ready - indexed), frozenset(indexed - ready))


def check_all(session: Session, batch: int = 500) -> list[Mismatch]:
    """Every unfinished instance whose index and state disagree."""
    mismatches: list[Mismatch] = []
    last = 0
    while True:
        rows = session.scalars(
            select(ProcessInstance).where(
                ProcessInstance.id > last,
                ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.SUSPENDED]),
            ).order_by(ProcessInstance.id).limit(batch)
        ).all()
        if not rows:
            return mismatches
        mismatches += [m for m in (check_instance(session, row) for row in rows) if m is not None]
        last = rows[-1].id
