"""Workflow state as JSON, without the process spec.

SpiffWorkflow's serializer writes the whole spec into every instance document
(about 8 KB for our processes) and rebuilds it on every load. EcoLoop keeps
the spec once per model version (compiled from the stored BPMN, cached in
memory) and stores only the task tree and data per instance; a load hands the
cached spec object back to the converter.
"""

from __future__ import annotations

import json
from copy import copy
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.workflow.script_engine import SCRIPT_ENGINE

SERIALIZER_VERSION = "1.5"


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without ``spec``/``subprocess_specs``; restores it onto given spec objects."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


# Every id of a task tree is written as text three times (its own, its parent's reference, its
# children's) and read back as many times; ids never change, so the conversions are shared.
_uuid = lru_cache(maxsize=2**16)(UUID)
_text = lru_cache(maxsize=2**16)(str)


class TaskTreeConverter(TaskConverter):
    """SpiffWorkflow's task converter, same document, for the two dozen tasks an instance load rebuilds.

    Spiff's version runs every value through the registry (empty ``internal_data`` and delta
    included), parses each id once per reference and copies the parent's data with a general
    deep-merge; together that was most of a load. Here empty values skip the registry, ids are
    parsed once, and the parent's data is copied the way that merge copies into an empty dict
    (containers one level deep). ``tests/engine/conftest.py`` checks every document the engine
    tests write against Spiff's own converter.
    """

    def to_dict(self, task: Task) -> dict[str, Any]:
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                     "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
        return {
            "id": _text(task.id),
            "parent": _text(task._parent) if parent is not None else None,
            "children": [_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data) if task.internal_data else {},
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct: dict[str, Any], workflow: Any) -> Task:
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"]) if dct["internal_data"] else {}
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            workflow.top_workflow.event_manager.add_task(task)
        task.data = self._data(dct, workflow.tasks.get(task._parent))
        return task

    def _data(self, dct: dict[str, Any], parent: Task | None) -> dict[str, Any]:
        """A child's data: its parent's, copied, with the child's updates and deletions."""
        delta = dct.get("delta")
        if not delta or parent is None:
            restored: dict[str, Any] = self.registry.restore(dct["data"])
            return restored
        data = {key: copy(value) if isinstance(value, (dict, list, set)) else value
                for key, value in parent.data.items()}
        if delta.get("updates"):
            data.update(self.registry.restore(delta["updates"]))
        for key in delta.get("deletions", ()):
            data.pop(key, None)
        return data


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecFreeWorkflowConverter
    config[Task] = TaskTreeConverter
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config), version=SERIALIZER_VERSION)
    # This serializer only ever writes JSON: the registry stays in the mode Spiff switches on around its
    # own JSON dump (switching it per dump would race between threads), and values JSON has no type for
    # go to Spiff's JSON encoder hook (datetimes as typed objects, sets as lists; orjson itself writes
    # a UUID as its text).
    serializer.registry._encoder_mode = True
    return serializer


_SERIALIZER = _build_serializer()
_JSON_VALUE = create_encoder(_SERIALIZER.registry)().default
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dump_state(workflow: BpmnWorkflow) -> str:
    """The instance document: task tree and data, no spec.

    orjson rather than ``json``: encoding the document was half of a dump. It writes strict JSON,
    where ``json`` also wrote the non-standard ``NaN`` and ``Infinity``.
    """
    return orjson.dumps(_SERIALIZER.to_dict(workflow), default=_JSON_VALUE, option=_JSON_OPTIONS).decode()


def load_state(document: str, serializer_version: str, spec: Any, subprocess_specs: Any) -> BpmnWorkflow:
    """Rebuild a workflow from its document onto the cached spec of its model version."""
    dct = _parse(document)
    if serializer_version != SERIALIZER_VERSION and serializer_version in MIGRATIONS:
        MIGRATIONS[serializer_version](dct)
    workflow = _SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def _parse(document: str) -> dict[str, Any]:
    try:
        parsed: dict[str, Any] = orjson.loads(document)
    except orjson.JSONDecodeError:  # written by ``json`` with a NaN or Infinity in the data
        parsed = json.loads(document)
    return parsed
