"""Request parameters (query fields and URL parts), bounded so that no value a schema lets through breaks a service.

A date such as ``9999-12-31`` is a valid ``fields.Date`` but overflows as soon as a service adds a day or
converts it to UTC; every date and time a request carries is therefore kept within ``EARLIEST``–``LATEST``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from flask import Flask, request
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""What no text EcoLoop keeps may contain (tabs and line breaks are text)."""
MAX_ROW_ID = 2**31 - 1
"""The largest id an ``INTEGER`` column holds (PostgreSQL and the ids EcoLoop hands out)."""
_RANGE_MESSAGE = f"应在 {EARLIEST} 与 {LATEST} 之间 (must be between {EARLIEST} and {LATEST})"


def day(**kwargs: Any) -> fields.Date:
    """A calendar date (``YYYY-MM-DD``) within the bounds."""
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST, error=_RANGE_MESSAGE), **kwargs)


def moment(**kwargs: Any) -> fields.AwareDateTime:
    """A time with its offset (ISO 8601) within the bounds."""
    earliest = datetime.combine(EARLIEST, datetime.min.time(), timezone.utc)
    latest = datetime.combine(LATEST, datetime.max.time(), timezone.utc)
    return fields.AwareDateTime(validate=validate.Range(min=earliest, max=latest, error=_RANGE_MESSAGE), **kwargs)


class RowId(IntegerConverter):
    """``<int:…>`` in a URL: a row id a database integer column can hold, else the route does not match (404)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=MAX_ROW_ID if max is None else max,
                         signed=signed)


class ParameterRefused(BadRequest):
    """400 for a query or form value no field may hold; ``fields`` names the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(description=f"请求参数有误 (invalid request parameter): {name}")
        self.fields = {name: [message]}


def _refuse_control_characters() -> None:
    """NUL and other control characters (tabs and line breaks aside) in a URL part, query or form value: 400.

    No text column can hold NUL (PostgreSQL refuses it outright), so it is refused before any view reads it.
    """
    path = [(name, value) for name, value in (request.view_args or {}).items() if isinstance(value, str)]
    for name, value in [*path, *request.args.items(multi=True), *request.form.items(multi=True)]:
        if CONTROL_CHARACTERS.search(name) or CONTROL_CHARACTERS.search(value):
            raise ParameterRefused(CONTROL_CHARACTERS.sub("?", name),
                                   "不能包含控制字符 (control characters are not allowed)")


def init_app(app: Flask) -> None:
    """Bound every integer URL part (before any blueprint adds a rule); refuse control characters in parameters."""
    app.url_map.converters["int"] = RowId
    app.before_request(_refuse_control_characters)
