"""Engine tests run every state document the runtime writes past SpiffWorkflow's own converter as well."""

from __future__ import annotations

import json
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.workflow import runtime
from engine.workflow.serialization import (
    SERIALIZER_VERSION,
    SpecFreeWorkflowConverter,
    load_state,
)


def _stock_serializer() -> BpmnWorkflowSerializer:
    """The engine's spec-free document, with SpiffWorkflow's own task converter."""
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config), version=SERIALIZER_VERSION)


STOCK = _stock_serializer()


def stock_document(workflow: BpmnWorkflow) -> Any:
    STOCK.registry._encoder_mode = True
    try:
        return json.loads(json.dumps(STOCK.to_dict(workflow)))
    finally:
        STOCK.registry._encoder_mode = False


def stock_load(document: str, workflow: BpmnWorkflow) -> BpmnWorkflow:
    loaded: BpmnWorkflow = STOCK.from_dict(json.loads(document), spec=workflow.spec,
                                           subprocess_specs=workflow.subprocess_specs)
    return loaded


def check_document(document: str, workflow: BpmnWorkflow) -> None:
    """Written as Spiff writes it; read back as Spiff reads it (compared through Spiff's own writer)."""
    assert json.loads(document) == stock_document(workflow)
    ours = load_state(document, SERIALIZER_VERSION, workflow.spec, workflow.subprocess_specs)
    assert stock_document(ours) == stock_document(stock_load(document, workflow))


@pytest.fixture(autouse=True)
def documents_checked_against_spiff(monkeypatch: pytest.MonkeyPatch) -> None:
    written = runtime.dump_state

    def dump_and_check(workflow: BpmnWorkflow) -> str:
        document = written(workflow)
        check_document(document, workflow)
        return document

    monkeypatch.setattr(runtime, "dump_state", dump_and_check)
