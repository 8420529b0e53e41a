"""Finding a workflow's tasks by state without walking its tree.

``workflow.get_tasks(state=…)`` walks the task tree from the root, resolving
every parent and child through the task table; an advance asks for ready,
waiting and completed tasks several times, and the walks cost more than the
engine step itself. A workflow without subprocesses keeps all its tasks in
one table (``workflow.tasks``), so a scan of that table finds the same tasks
(in creation order rather than tree order). Workflows with subprocesses keep
their tasks in several tables, and SpiffWorkflow's walk knows which of them to
enter; they take the walk.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def tasks_in(workflow: BpmnWorkflow, state: int, *, manual: bool | None = None) -> list[Any]:
    """The tasks whose state is in the mask ``state``; only user tasks (``manual=True``) or only engine tasks."""
    if workflow.subprocesses:
        return workflow.get_tasks(state=state, manual=manual)
    return [task for task in workflow.tasks.values()
            if task.state & state and (manual is None or task.task_spec.manual == manual)]


OPEN = TaskState.READY | TaskState.WAITING
