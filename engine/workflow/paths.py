"""The path an instance took through its model: finished elements, current steps, sequence flows taken."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.workflow import runtime
from engine.workflow.models import HumanTask, ProcessInstance, ProcessModel, TaskStatus

log = logging.getLogger(__name__)

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@dataclass(frozen=True)
class Path:
    finished: list[str]
    current: list[str]
    taken: list[str]



def path_of(session: Session, row: ProcessInstance, model: ProcessModel, steps: list[HumanTask]) -> Path:
    """Finished elements, current steps and taken sequence flows of an instance."""
    flows = _flows(model.bpmn_xml)
    finished = {t.spec_name for t in steps if t.status == TaskStatus.COMPLETED}
    current = {t.spec_name for t in steps if t.status == TaskStatus.READY}
    taken: set[str] = set()
    try:
        workflow = runtime.load(session, row).workflow
    except Exception:  # a state that cannot be loaded still shows the steps from the index
        log.warning("instance %s: cannot load the workflow to draw its path", row.id, exc_info=True)
        return Path(sorted(finished), sorted(current), [])
    for task in workflow.get_tasks(state=TaskState.COMPLETED | TaskState.READY | TaskState.STARTED):
        element = task.task_spec.bpmn_id
        if element is None:
            continue
        if task.state == TaskState.COMPLETED:
            finished.add(element)
        source = _bpmn_ancestor(task)
        if source is not None and (source, element) in flows:
            taken.add(flows[(source, element)])
    return Path(sorted(finished - current), sorted(current), sorted(taken))


def _bpmn_ancestor(task: Any) -> str | None:
    parent = task.parent
    while parent is not None and parent.task_spec.bpmn_id is None:
        parent = parent.parent
    return None if parent is None else str(parent.task_spec.bpmn_id)


def _flows(xml: str) -> dict[tuple[str, str], str]:
    """(source, target) → sequence flow id, from the model's XML (checked at deployment)."""
    root = ElementTree.fromstring(xml.encode("utf-8"))
    return {(f.get("sourceRef", ""), f.get("targetRef", "")): f.get("id", "")
            for f in root.iter(f"{BPMN_NS}sequenceFlow")}
