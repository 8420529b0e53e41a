"""The evaluator behind :func:`engine.workflow.expressions.evaluate`: simpleeval with sizes and time bounded.

simpleeval bounds string and list repetition, but not integers (sixteen
squarings of ``int(1e308)`` held a worker for half a minute) nor ``%``
formatting (``'%0999999999d' % 1``), and no evaluation has a time limit. Here
every operation that can grow a value is checked *before* it runs, every
intermediate result is checked after, and a deadline shared by one
expression or one whole script turns a slow evaluation into
:class:`EvaluationTimeout` — a clear error on the instance, not a hung worker.
"""

from __future__ import annotations

import ast
import gc
import operator
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import simpleeval

from engine.workflow.limits import ModelLimits, current

_deadline: ContextVar[float | None] = ContextVar("ecoloop_evaluation_deadline", default=None)
_collections = threading.local()  # per thread: CPU seconds spent in garbage collection, and when the current one began


def _count_collection(phase: str, info: dict[str, Any]) -> None:
    now = time.thread_time()
    if phase == "start":
        _collections.began = now
    else:
        _collections.spent = getattr(_collections, "spent", 0.0) + now - getattr(_collections, "began", now)


gc.callbacks.append(_count_collection)


def evaluation_cpu_time() -> float:
    """The thread's CPU time less what garbage collection took in it.

    A full collection runs in whichever thread allocates when it is due and, in a process with a large heap,
    can take a second: that is the process's work, not the expression's, and must not fail a step.
    """
    return time.thread_time() - getattr(_collections, "spent", 0.0)


class BoundExceeded(ValueError):
    """A value would grow beyond the limits, or an operation is refused for its size."""


class EvaluationTimeout(BoundExceeded):
    """The evaluation ran past its time budget."""


@contextmanager
def time_budget(limits: ModelLimits | None = None) -> Iterator[None]:
    """Share one deadline among the evaluations inside (one script); nested budgets keep the outer one.

    The budget is the evaluating thread's CPU time, not the wall clock, and garbage collection is not counted
    (:func:`evaluation_cpu_time`): what it stops is an expression that computes too long, and a busy machine,
    a ``config()`` that waits on the database or a collection of the heap must not refuse a step.
    """
    if _deadline.get() is not None:
        yield
        return
    budget = (limits or current()).time_budget_ms / 1000
    token = _deadline.set(evaluation_cpu_time() + budget)
    try:
        yield
    finally:
        _deadline.reset(token)


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class BoundedEval(simpleeval.EvalWithCompoundTypes):
    """simpleeval's compound-type evaluator with growth checked against :class:`ModelLimits`."""

    def __init__(self, names: dict[str, Any], functions: dict[str, Callable[..., Any]],
                 limits: ModelLimits | None = None) -> None:
        super().__init__(names=names, functions=functions)
        self.limits = limits or current()
        self.operators: dict[Any, Any] = {**self.operators, ast.Mult: self._mult, ast.Add: self._add, ast.Sub: self._sub,
                          ast.Mod: self._mod, ast.FloorDiv: self._floordiv}

    def _eval(self, node: ast.AST) -> Any:
        deadline = _deadline.get()
        if deadline is not None and evaluation_cpu_time() > deadline:
            raise EvaluationTimeout(f"evaluation took longer than {self.limits.time_budget_ms} ms")
        result = super()._eval(node)
        self._check_size(result)
        return result

    def _check_size(self, value: Any) -> None:
        length = _length(value)
        if length is not None and length > self.limits.max_sequence_length:
            raise BoundExceeded(f"a value of {length} items is longer than {self.limits.max_sequence_length}")
        if _is_int(value) and value.bit_length() > self.limits.max_integer_bits:
            raise BoundExceeded(f"a number larger than {self.limits.max_integer_bits} bits")

    def _bits_fit(self, bits: int) -> None:
        if bits > self.limits.max_integer_bits + 1:
            raise BoundExceeded(f"the result would be larger than {self.limits.max_integer_bits} bits")

    def _mult(self, a: Any, b: Any) -> Any:
        if _is_int(a) and _is_int(b):
            self._bits_fit(a.bit_length() + b.bit_length())
        for seq, times in ((a, b), (b, a)):
            length = _length(seq)
            if length is not None and _is_int(times) and length * max(times, 0) > self.limits.max_sequence_length:
                raise BoundExceeded(f"repeating {length} items {times} times exceeds {self.limits.max_sequence_length}")
        return operator.mul(a, b)

    def _add(self, a: Any, b: Any) -> Any:
        left, right = _length(a), _length(b)
        if left is not None and right is not None and left + right > self.limits.max_sequence_length:
            raise BoundExceeded(f"joining {left} and {right} items exceeds {self.limits.max_sequence_length}")
        return operator.add(a, b)

    def _sub(self, a: Any, b: Any) -> Any:
        return operator.sub(a, b)

    def _mod(self, a: Any, b: Any) -> Any:
        if isinstance(a, (str, bytes)):
            raise BoundExceeded("'%' formatting of text is not allowed")
        return operator.mod(a, b)

    def _floordiv(self, a: Any, b: Any) -> Any:
        return operator.floordiv(a, b)
