"""Reading a step of a case one did not handle: every step of an instance the actor may open is readable.

The instance page lists every step with a 详情 link; a reviewer (or the enterprise) who may open the
instance (:func:`engine.scoping.can_see_instance`, process included) may read each of its steps — form
data, opinion, evidence — without being able to act on it. Working a step still needs its role in scope
(:func:`engine.tasks.actions.may_work`); lists and actions keep their own rules.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.errors import TaskNotFound
from engine.workflow.models import HumanTask
from engine.scoping import can_see_instance
from engine.tasks import actions as tasks


def may_read(actor: Actor, task: HumanTask) -> bool:
    """Whether the actor may read the step: one it may see as a task, or any step of an instance it may open."""
    return tasks.may_see(actor, task) or can_see_instance(actor, task.region_code, task.enterprise_code,
                                                          task.process_key)


def readable_task(session: Session, actor: Actor, task_id: str) -> HumanTask:
    """The step, when the actor may read it (:func:`may_read`).

    :raises TaskNotFound: otherwise (the step's existence is not revealed).
    """
    task = session.get(HumanTask, task_id) if isinstance(task_id, str) and len(task_id) <= 36 else None
    if task is None or not may_read(actor, task):
        raise TaskNotFound(f"task {task_id} not found")
    return task


def step_detail(session: Session, actor: Actor, task_id: str) -> tasks.TaskDetail:
    """The task page's data for a readable step (``workable`` only when the actor may act on it).

    :raises TaskNotFound: outside the actor's scope.
    """
    return tasks.detail_of(session, actor, readable_task(session, actor, task_id))
