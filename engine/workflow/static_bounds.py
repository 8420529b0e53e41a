"""Deploy-time evaluation of what a model fixes in its text: constant expressions and script lines.

An expression (or a script line) whose names are all constants assigned by
earlier lines of the same script, and which calls none of the functions the
runtime provides, has one value whatever the instance. Deployment computes
it with the same bounded evaluator the runtime uses, so ``'a' * 10000000000``
or twenty lines of ``x = x * x`` are refused by name before anything runs.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from engine.workflow.bounded_eval import BoundExceeded
from engine.workflow.expressions import PROVIDED_FUNCTIONS, UnsafeExpression, evaluate, parsed_script


class Unknown:
    """The value of an expression that depends on task data or the running instance."""


UNKNOWN = Unknown()


def constant_value(text: str, known: Mapping[str, Any] | None = None) -> Any:
    """The value of ``text`` if deployment can know it, else :data:`UNKNOWN`.

    :raises UnsafeExpression: when the value breaks a size bound.
    """
    known = known or {}
    tree = ast.parse(text.strip(), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in known and node.id not in _functions(tree):
            return UNKNOWN
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PROVIDED_FUNCTIONS:
            return UNKNOWN
    try:
        return evaluate(text, known)
    except BoundExceeded as exc:
        raise UnsafeExpression(str(exc)) from None
    except ValueError:
        return UNKNOWN  # fails at run time too, with the instance named


def _functions(tree: ast.AST) -> set[str]:
    return {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def check_script_bounds(text: str) -> None:
    """Evaluate each line a script fixes, carrying its constants forward.

    :raises UnsafeExpression: naming the first line whose value breaks a bound.
    """
    known: dict[str, Any] = {}
    for number, (name, expression) in enumerate(parsed_script(text), start=1):
        try:
            value = constant_value(expression, known)
        except UnsafeExpression as exc:
            raise UnsafeExpression(f"script line {number} ({name} = …): {exc.message}") from None
        if isinstance(value, Unknown):
            known.pop(name, None)
        else:
            known[name] = value
