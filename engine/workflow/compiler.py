"""Turning a checked model into SpiffWorkflow specs, cached per model version."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import InvalidModel
from engine.workflow.forms import FormDefinition
from engine.workflow.script_engine import SCRIPT_ENGINE
from engine.workflow.validation import CheckedModel


@dataclass(frozen=True)
class CompiledModel:
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: Mapping[str, FormDefinition]

    def new_workflow(self) -> BpmnWorkflow:
        return BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=SCRIPT_ENGINE)


def compile_model(checked: CheckedModel) -> CompiledModel:
    """Parse the checked XML into specs.

    :raises InvalidModel: when SpiffWorkflow refuses the model (the message names the element).
    """
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(checked.root, filename=f"{checked.process_id}.bpmn")
        spec = parser.get_spec(checked.process_id)
        subprocess_specs = parser.get_subprocess_specs(checked.process_id)
    except ValidationException as exc:
        raise InvalidModel(f"the model is not valid BPMN: {exc}") from None
    return CompiledModel(checked.process_id, spec, subprocess_specs, checked.forms)


class SpecCache:
    """Compiled specs by model id and content hash.

    A deployed row never changes, but an id can be handed out again after a
    rolled-back deployment (SQLite), so the hash is part of the key.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], CompiledModel] = {}
        self._lock = threading.Lock()

    def get(self, model_id: int, sha256: str) -> CompiledModel | None:
        return self._entries.get((model_id, sha256))

    def put(self, model_id: int, sha256: str, compiled: CompiledModel) -> None:
        with self._lock:
            self._entries[(model_id, sha256)] = compiled
