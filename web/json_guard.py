"""One guard for every JSON request body: bounded depth, 64-bit integers, no lone surrogates.

Python's parser recurses once per nesting level (1,000 levels raise ``RecursionError``), refuses
integers over 4,300 digits with a bare ``ValueError``, and accepts ``"\\ud800"``, which no database
driver can store. The app's JSON provider parses with these bounds; a ``before_request`` hook parses
every JSON body once through it, so webargs, views and the token endpoint only ever see a checked
document. A refusal is a 400 naming the field (a dotted path into the body).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

MAX_DEPTH = 32
"""Nesting levels a request body may have; the deepest form data EcoLoop takes (a table in a form) needs 4."""
MAX_INTEGER_DIGITS = 20
INT64 = (-(2**63), 2**63 - 1)
"""The integers a body may hold: what a PostgreSQL ``bigint`` and JavaScript's ``BigInt64Array`` store."""
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""A whole string (skipped) or a bracket: the regular-expression engine walks the strings, not Python."""


class JsonBodyError(ValueError):
    """A JSON body outside the bounds; ``field`` is a dotted path into the body (``$`` for the whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with bounded parsing (output is unchanged)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return guarded_loads(s)


def guarded_loads(text: str | bytes) -> Any:
    """Parse JSON within the bounds.

    :raises JsonBodyError: too deep, an integer too long or beyond 64 bits, NaN/Infinity, a lone surrogate.
    :raises ValueError: not JSON at all.
    """
    _check_depth(text if isinstance(text, str) else text.decode("utf-8", errors="replace"))
    document = json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    _check_values(document)
    return document


def _check_depth(text: str) -> None:
    """Refuse nesting beyond ``MAX_DEPTH`` before the recursive parser sees it (brackets in strings do not count)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for token in _STRUCTURE.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonBodyError("$", f"嵌套超过 {MAX_DEPTH} 层 (nested deeper than {MAX_DEPTH} levels)")
        elif char in "]}":
            depth -= 1


class _Refused:
    """What the parser leaves in place of a number it will not convert; the walk reports it with its field."""

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_int(digits: str) -> int | _Refused:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        return _Refused(f"整数位数过多 (an integer of {len(digits.lstrip('-'))} digits)")
    return int(digits)


def _refuse_constant(name: str) -> _Refused:
    return _Refused(f"{name} 不是数字 ({name} is not a JSON number)")


def _check_values(document: Any) -> None:
    """Walk the parsed body (iteratively) for refused numbers, integers beyond 64 bits and lone surrogates."""
    pending: list[tuple[str, Any]] = [("$", document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, _Refused):
            raise JsonBodyError(path, value.message)
        if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
            raise JsonBodyError(path, "整数超出 64 位范围 (an integer beyond 64 bits)")
        if isinstance(value, str):
            _check_text(path, value)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(path, key)
                pending.append((key if path == "$" else f"{path}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


def _check_text(path: str, text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonBodyError(path, "含有无效的 Unicode 代理字符 (contains a lone surrogate)") from None


def _check_body() -> None:
    """Parse a JSON body once through the guard; a refusal is a 400 naming the field.

    A body that is not JSON at all is left to the view's own parser (400 as before).
    """
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        guarded_loads(data)
    except JsonBodyError as exc:
        raise JsonBodyRefused(exc) from None
    except ValueError:
        return


class JsonBodyRefused(BadRequest):
    """400 for a JSON body outside the bounds; ``fields`` names the field."""

    def __init__(self, error: JsonBodyError) -> None:
        super().__init__(description=f"请求体超出限制 (request body refused): {error}")
        self.fields = {error.field: [error.message]}


def init_app(app: Flask) -> None:
    app.json = GuardedJSONProvider(app)
    app.before_request(_check_body)
