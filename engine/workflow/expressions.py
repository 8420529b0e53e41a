"""Safe expressions and scripts for BPMN models.

SpiffWorkflow's own script engine runs ``eval``/``exec`` with full builtins, so
an uploaded model could run any Python. EcoLoop accepts a small expression
language instead: literals, names from task data, arithmetic (no power),
comparisons, boolean logic, conditional expressions, subscripts and calls of
a few pure functions — no attributes, no dunder names, no lambdas or
comprehensions. Scripts are sequences of ``name = expression`` lines.

Two functions read the world outside the task data and exist only while the
runtime advances an instance: ``workdays(n)`` (the end of the n-th working day
after today on the statutory calendar, as an ISO date-time) and
``config("key")`` (the process configuration in force now, so a change reaches
tasks created after it). See :func:`providing` and ``engine/workflow/deadlines.py``.

The same check runs when a model is deployed (with a message naming the
problem) and again before every evaluation, and evaluation itself is done by
``simpleeval`` with sizes and time bounded (``engine/workflow/bounded_eval.py``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import simpleeval

from engine.workflow.bounded_eval import BoundedEval, BoundExceeded, time_budget
from engine.errors import InvalidModel


def _scalar_str(value: Any) -> str:
    """``str`` for text, numbers, booleans and None only: the text of a container could exceed the size limits."""
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise ValueError(f"str() takes text or a number, not {type(value).__name__}")
    return str(value)


def _number_sum(values: Any) -> int | float:
    """``sum`` of one list of numbers, with no start value (so it cannot concatenate lists)."""
    if not isinstance(values, (list, tuple)) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
    ):
        raise ValueError("sum() takes a list of numbers")
    return sum(values)


# Functions whose answer depends on the running instance (the working-day calendar, the process
# configuration in force). The evaluator stays pure: the runtime provides their implementations
# for the duration of one engine step with :func:`providing`. A ContextVar rather than a module-level
# provider, because web threads and the scheduler thread advance different instances at once, each
# with its own session and its own record of the deadlines it computed; the token reset at the end
# of the ``with`` block guarantees nothing leaks into the next evaluation on that thread.
PROVIDED_FUNCTIONS = ("workdays", "config")
_provided: ContextVar[Mapping[str, Callable[..., Any]]] = ContextVar("ecoloop_provided_functions", default={})


def _provided_function(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        implementation = _provided.get().get(name)
        if implementation is None:
            raise ValueError(f"{name}() is available only while the engine runs a process")
        return implementation(*args)

    call.__name__ = name
    return call


@contextmanager
def providing(functions: Mapping[str, Callable[..., Any]]) -> Iterator[None]:
    """Make the implementations of :data:`PROVIDED_FUNCTIONS` available to evaluations in this context."""
    unknown = set(functions) - set(PROVIDED_FUNCTIONS)
    if unknown:
        raise ValueError(f"not provided functions: {sorted(unknown)}")
    token = _provided.set(dict(functions))
    try:
        yield
    finally:
        _provided.reset(token)


SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "str": _scalar_str,
    "int": int,
    "float": float,
    "bool": bool,
    "sum": _number_sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    **{name: _provided_function(name) for name in PROVIDED_FUNCTIONS},
}

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.FloorDiv, ast.Mod, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Compare, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot, ast.IfExp, ast.Name,
    ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Subscript, ast.Slice, ast.Call,
)


class UnsafeExpression(InvalidModel):
    """An expression or script outside the subset EcoLoop evaluates."""


def check_expression(text: str) -> None:
    """Raise :class:`UnsafeExpression` naming the first construct outside the safe subset."""
    _checked_expression(text.strip())


@lru_cache(maxsize=4096)
def _checked_expression(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise UnsafeExpression(f"expression {text!r} is not valid: {exc.msg}") from None
    for node in ast.walk(tree):
        _check_node(node, text)
    return tree


def _check_node(node: ast.AST, text: str) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise UnsafeExpression(f"expression {text!r} uses {type(node).__name__}, which is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise UnsafeExpression(f"expression {text!r} uses the name {node.id!r}; names may not start with '_'")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
            raise UnsafeExpression(
                f"expression {text!r} calls something other than {', '.join(sorted(SAFE_FUNCTIONS))}"
            )
        if node.keywords:
            raise UnsafeExpression(f"expression {text!r} passes keyword arguments, which are not allowed")


def check_script(text: str) -> None:
    """A script is lines of ``name = expression``; raise :class:`UnsafeExpression` otherwise."""
    _parsed_script(text)


def parsed_script(text: str) -> tuple[tuple[str, str], ...]:
    """The ``(name, expression)`` lines of a checked script.

    :raises UnsafeExpression: as :func:`check_script`.
    """
    return _parsed_script(text)


@lru_cache(maxsize=1024)
def _parsed_script(text: str) -> tuple[tuple[str, str], ...]:
    try:
        module = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise UnsafeExpression(f"script line {exc.lineno} is not valid: {exc.msg}") from None
    assignments = []
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)  # the line breaks ast counts, no others
    for statement in module.body:
        if isinstance(statement, ast.Pass):
            continue
        if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
            raise UnsafeExpression(f"script line {statement.lineno} is not of the form 'name = expression'")
        target = statement.targets[0]
        if not isinstance(target, ast.Name) or target.id.startswith("_"):
            raise UnsafeExpression(f"script line {statement.lineno} must assign to a plain name")
        expression = _segment(lines, statement.value)
        check_expression(expression)
        assignments.append((target.id, expression))
    return tuple(assignments)


def _segment(lines: list[str], node: ast.expr) -> str:
    """The source of ``node`` from the script's lines split once (``ast.get_source_segment`` splits the whole
    script again for every line, which made a script of a few thousand lines take minutes to check).
    """
    end_lineno, end_col = node.end_lineno or node.lineno, node.end_col_offset or 0
    if node.lineno == end_lineno:
        return lines[node.lineno - 1].encode("utf-8")[node.col_offset:end_col].decode("utf-8")
    first = lines[node.lineno - 1].encode("utf-8")[node.col_offset:].decode("utf-8")
    last = lines[end_lineno - 1].encode("utf-8")[:end_col].decode("utf-8")
    return first + "".join(lines[node.lineno:end_lineno - 1]) + last


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    """Evaluate a checked expression against task data.

    :raises UnsafeExpression: when the expression leaves the subset.
    :raises ValueError: when evaluation fails (unknown name, bad operand, size limits).
    """
    text = text.strip()
    tree = _checked_expression(text)
    evaluator = BoundedEval(names=dict(names), functions=dict(SAFE_FUNCTIONS))
    try:
        with time_budget():
            return evaluator.eval(text, previously_parsed=tree.body)  # the tree that passed the check, parsed once
    except BoundExceeded as exc:
        raise type(exc)(f"cannot evaluate {_shown(text)}: {exc}") from None
    except (simpleeval.InvalidExpression, TypeError, ArithmeticError, LookupError, ValueError) as exc:
        raise ValueError(f"cannot evaluate {_shown(text)}: {exc}") from None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 200 else text[:200] + "…")


def run_script(text: str, data: MutableMapping[str, Any]) -> None:
    """Run a checked script: each line's expression is evaluated and assigned into ``data``, within one budget."""
    with time_budget():
        for name, expression in _parsed_script(text):
            data[name] = evaluate(expression, data)
