"""The script engine EcoLoop hands to SpiffWorkflow: every evaluation goes through the safe subset."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from engine.workflow.expressions import check_expression, evaluate, run_script


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        return evaluate(expression, {**(external_context or {}), **context})

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        run_script(script, context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise NotImplementedError("service tasks are not supported")


class SafeScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        check_expression(expression)


SCRIPT_ENGINE = SafeScriptEngine()
