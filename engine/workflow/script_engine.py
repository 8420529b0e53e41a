"""The script engine EcoLoop hands to SpiffWorkflow: every evaluation goes through the safe subset."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)

from engine.workflow.expressions import check_expression, evaluate, run_script
from engine.workflow.limits import current
from engine.workflow.model_bounds import CardinalityRefused, check_cardinality
from engine.workflow.timer_values import TimerRefused, check_timer


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

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        """Evaluate, then hold a timer's value or a cardinality to the limits the deploy check applies.

        A value computed from task data can only be checked here, before SpiffWorkflow acts on it.
        """
        value = super().evaluate(task, expression, external_context)
        try:
            _check_value(task.task_spec, expression, value)
        except (TimerRefused, CardinalityRefused) as exc:
            raise WorkflowTaskException(f"{task.task_spec.bpmn_id}: {exc}", task=task, exception=exc) from None
        return value


def _check_value(spec: Any, expression: str, value: Any) -> None:
    event = getattr(spec, "event_definition", None)
    if isinstance(event, TimerEventDefinition) and event.expression == expression:
        kind = ("timeCycle" if isinstance(event, CycleTimerEventDefinition)
                else "timeDuration" if isinstance(event, DurationTimerEventDefinition) else "timeDate")
        check_timer(kind, value, current())
    elif getattr(spec, "cardinality", None) == expression:
        check_cardinality(value, current())


SCRIPT_ENGINE = SafeScriptEngine()
