"""The API's flask-smorest base: problem+json errors in the document, request errors naming their fields."""

from __future__ import annotations

import http
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from flask import abort
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, ValidationError, fields
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from engine.errors import InvalidInput
from web.params import CONTROL_CHARACTERS

PROBLEM_JSON = "application/problem+json"


class ProblemSchema(Schema):
    """RFC 9457 problem details; ``errors`` maps a field name to its messages."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    status = fields.Integer(required=True)
    title = fields.String(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiParser(FlaskParser):
    """webargs parser whose validation errors become :class:`InvalidInput` (422 problem+json, fields named)."""

    def handle_error(self, error: ValidationError, req: Any, schema: Schema, *, error_status_code: int | None,
                     error_headers: Mapping[str, str] | None) -> NoReturn:
        raise InvalidInput("请求数据有误 (invalid request data)", fields=flatten(error.messages))

    def _handle_invalid_json_error(self, error: Any, req: Any, *args: Any, **kwargs: Any) -> NoReturn:
        abort(400, description="请求体不是有效的 JSON (request body is not valid JSON)")


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"data": {"x": ["bad"]}}}`` → ``{"data.x": ["bad"]}`` (the location level is dropped)."""
    if isinstance(messages, Mapping) and not prefix and set(messages) <= {"json", "query", "files", "form", "headers",
                                                                        "path", "json_or_form", "querystring"}:
        flat: dict[str, list[str]] = {}
        for inner in messages.values():
            flat.update(flatten(inner, ""))
        return flat if flat else {"_request": ["invalid"]}
    if isinstance(messages, Mapping):
        result: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            result.update(flatten(value, name))
        return result
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()


class EcoLoopApi(Api):
    """flask-smorest's Api, leaving error handling to ``web/errors.py`` and documenting errors as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Errors are mapped once, in ``web/errors.py`` (problem+json under /api/)."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "错误 (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


class TaskIdConverter(BaseConverter):
    """Task ids are UUIDs: anything else is 'not found' before it reaches the database."""

    regex = r"[0-9a-fA-F-]{1,36}"


class ProcessKeyConverter(BaseConverter):
    """A BPMN process id as deployment accepts it."""

    regex = r"[A-Za-z_][A-Za-z0-9_.-]{0,99}"


class RequestNoConverter(BaseConverter):
    """A tax review request number as the tax system sends it."""

    regex = r"[A-Za-z0-9_-]{1,60}"


CONVERTERS: dict[str, tuple[type[BaseConverter], dict[str, Any]]] = {
    "request_no": (RequestNoConverter, {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,60}$"}),
    "task_id": (TaskIdConverter, {"type": "string", "pattern": "^[0-9a-fA-F-]{1,36}$", "maxLength": 36}),
    "process_key": (ProcessKeyConverter, {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"}),
}




def reject_control_characters(value: Any) -> None:
    """Strings anywhere in the value may not carry NUL or other control characters (tabs and newlines are fine)."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            raise ValidationError("不能包含控制字符 (control characters are not allowed)")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            reject_control_characters(key)
            reject_control_characters(item)
    elif isinstance(value, list):
        for item in value:
            reject_control_characters(item)
