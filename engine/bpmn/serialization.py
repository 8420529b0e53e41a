"""Workflow state as JSON, without the process spec.

SpiffWorkflow's serializer writes the whole spec into every instance document
(about 8 KB for our processes) and rebuilds it on every load. EcoLoop keeps
the spec once per model version (compiled from the stored BPMN, cached in
memory) and stores only the task tree and data per instance; a load hands the
cached spec object back to the converter.
"""

from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.bpmn.script_engine import SCRIPT_ENGINE

SERIALIZER_VERSION = "1.5"


class SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without ``spec``/``subprocess_specs``; restores it onto given spec objects."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        from uuid import UUID

        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config), version=SERIALIZER_VERSION)


_SERIALIZER = _build_serializer()


def dump_state(workflow: BpmnWorkflow) -> str:
    """The instance document: task tree and data, no spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True  # the serializer's own switch for JSON-safe conversion
    try:
        return json.dumps(_SERIALIZER.to_dict(workflow), separators=(",", ":"), ensure_ascii=False)
    finally:
        registry._encoder_mode = False


def load_state(document: str, serializer_version: str, spec: Any, subprocess_specs: Any) -> BpmnWorkflow:
    """Rebuild a workflow from its document onto the cached spec of its model version."""
    dct = json.loads(document)
    if serializer_version != SERIALIZER_VERSION and serializer_version in MIGRATIONS:
        MIGRATIONS[serializer_version](dct)
    workflow = _SERIALIZER.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow
