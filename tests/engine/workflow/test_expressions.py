"""The safe expression subset: what it evaluates, and every escape it refuses at check and at evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidModel
from engine.workflow.expressions import (
    UnsafeExpression,
    check_expression,
    check_script,
    evaluate,
    run_script,
)

DATA: dict[str, Any] = {
    "decision": "accept",
    "return_rounds": 2,
    "max_return_rounds": 2,
    "key_unit": True,
    "types": ["exceedance", "repeated"],
    "reading": {"cod": 51.5, "limit": 50},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('decision == "accept"', True),
        ("return_rounds + 1 > max_return_rounds", True),
        ("return_rounds * 3 - 1", 5),
        ("7 // 2 + 7 % 2", 4),
        ("-return_rounds", -2),
        ('"exceedance" in types and not key_unit', False),
        ('decision == "return" or key_unit', True),
        ('"late" if return_rounds >= max_return_rounds else "ok"', "late"),
        ('reading["cod"] > reading["limit"]', True),
        ("types[0]", "exceedance"),
        ("types[-1:]", ["repeated"]),
        ("len(types) + max(1, 5) - min([3, 4])", 4),
        ("round(abs(-2.567), 1)", 2.6),
        ('str(return_rounds) + "次"', "2次"),
        ('int("4") + float("0.5")', 4.5),
        ("sum([1, 2, 3]) == 6 and any([False, key_unit]) and all([1, 2])", True),
        ("sorted([3, 1, 2])", [1, 2, 3]),
        ("{'a': 1}['a'] + len((1, 2)) + len({1, 2, 2})", 5),
        ("1 < return_rounds <= 2", True),
        ("decision is not None", True),
    ],
)
def test_allowed_expressions_evaluate(expression: str, expected: Any) -> None:
    check_expression(expression)
    assert evaluate(expression, DATA) == expected


ESCAPES = {
    "attribute chain": ("().__class__.__mro__", "Attribute"),
    "attribute of data": ("decision.upper()", "calls something other than"),
    "dunder name": ("__builtins__", "'_'"),
    "private name": ("_secret", "'_'"),
    "import builtin": ("__import__('os')", "calls something other than"),
    "open": ("open('/etc/passwd')", "calls something other than"),
    "eval": ("eval('1')", "calls something other than"),
    "getattr": ("getattr(decision, 'upper')", "calls something other than"),
    "lambda": ("lambda: 1", "Lambda"),
    "called lambda": ("(lambda: 1)()", "calls something other than"),
    "list comprehension": ("[x for x in types]", "ListComp"),
    "generator": ("sum(x for x in types)", "GeneratorExp"),
    "dict comprehension": ("{x: 1 for x in types}", "DictComp"),
    "set comprehension": ("{x for x in types}", "SetComp"),
    "power": ("10 ** 10000000", "Pow"),
    "shift": ("1 << 100000000", "LShift"),
    "keyword argument": ("max(types, key=len)", "keyword arguments"),
    "f-string with attribute": ("f'{decision.__class__}'", "JoinedStr"),
    "walrus": ("(x := 1)", "NamedExpr"),
    "starred": ("[*types]", "Starred"),
    "syntax error": ("decision ==", "not valid"),
}


@pytest.mark.parametrize(("expression", "named"), ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_refused_at_check_time(expression: str, named: str) -> None:
    with pytest.raises(UnsafeExpression) as caught:
        check_expression(expression)
    assert named in caught.value.message
    assert expression in caught.value.message
    assert isinstance(caught.value, InvalidModel)


@pytest.mark.parametrize(("expression", "named"), ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_refused_at_evaluate_time(expression: str, named: str) -> None:
    # evaluate() re-checks, so an expression that never went through deployment is refused too
    with pytest.raises(UnsafeExpression) as caught:
        evaluate(expression, {**DATA, "x": 1})
    assert named in caught.value.message


def test_evaluation_sees_only_the_names_given() -> None:
    with pytest.raises(ValueError, match="'region_code' is not defined"):
        evaluate("region_code", DATA)


@pytest.mark.parametrize(
    "expression",
    ["'a' * 100000000", "[0] * 100001", "'a' * 99999 + 'a' * 99999", "100000001 * 'a'"],
)
def test_huge_repetition_is_refused_by_the_evaluator(expression: str) -> None:
    check_expression(expression)  # syntactically inside the subset: only the evaluator can stop it
    with pytest.raises(ValueError, match="cannot evaluate"):
        evaluate(expression, {})


@pytest.mark.parametrize(
    "expression",
    # each piece stays under simpleeval's limit; the allowed functions build the large value.
    # Kept small here; with 99999 elements twice over the same shapes ask for ~10 GB.
    ["str(['a' * 1000] * 1000)", "sum([[0] * 50000] * 3, [])"],
)
def test_allowed_functions_do_not_bypass_the_size_limit(expression: str) -> None:
    with pytest.raises(ValueError):
        evaluate(expression, {})


@pytest.mark.parametrize("expression", ["return_rounds + decision", "1 / 0", 'reading["missing"]', "types[5]"])
def test_failed_evaluation_is_reported_as_value_error(expression: str) -> None:
    # the documented contract; runtime._due_at relies on it (it catches ValueError and TypeError only)
    with pytest.raises(ValueError, match="cannot evaluate"):
        evaluate(expression, DATA)


def test_script_assigns_each_line_in_order() -> None:
    data: dict[str, Any] = {"return_rounds": 1, "max_return_rounds": 2}
    run_script("return_rounds = return_rounds + 1\nescalate = return_rounds > max_return_rounds\npass", data)
    assert data == {"return_rounds": 2, "max_return_rounds": 2, "escalate": False}


SCRIPT_ESCAPES = {
    "import": ("import os", "line 1 is not of the form"),
    "from import": ("x = 1\nfrom os import system", "line 2 is not of the form"),
    "expression statement": ("__import__('os').system('x')", "line 1 is not of the form"),
    "call of unsafe function": ("x = open('/etc/passwd')", "calls something other than"),
    "attribute target": ("x.y = 1", "line 1 must assign to a plain name"),
    "subscript target": ("x[0] = 1", "line 1 must assign to a plain name"),
    "tuple target": ("a, b = 1, 2", "line 1 must assign to a plain name"),
    "chained target": ("a = b = 1", "line 1 is not of the form"),
    "augmented": ("a += 1", "line 1 is not of the form"),
    "private target": ("_a = 1", "line 1 must assign to a plain name"),
    "function": ("def f():\n    return 1", "line 1 is not of the form"),
    "loop": ("for i in [1]:\n    a = i", "line 1 is not of the form"),
    "attribute in value": ("a = ().__class__", "Attribute"),
    "syntax error": ("a = (", "line 1 is not valid"),
}


@pytest.mark.parametrize(("script", "named"), SCRIPT_ESCAPES.values(), ids=SCRIPT_ESCAPES.keys())
def test_script_escape_refused(script: str, named: str) -> None:
    with pytest.raises(UnsafeExpression, match=named):
        check_script(script)
    data: dict[str, Any] = {}
    with pytest.raises(UnsafeExpression):
        run_script(script, data)
    assert data == {}
