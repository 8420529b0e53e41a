"""EcoLoop's errors mapped to HTTP once: HTML pages for the UI, problem+json for the API."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine import errors
from web import request_log
from web.api.core import flatten
from web.labels import error_text

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[errors.EcoLoopError], int]] = [
    (errors.NotFound, 404),
    (errors.NotAllowed, 403),
    (errors.PreconditionFailed, 412),
    (errors.Conflict, 409),
    (errors.FileTooLarge, 413),
    (errors.InvalidInput, 422),
    (errors.InvalidModel, 422),
    (errors.InvalidFile, 415),
    (errors.AuthenticationFailed, 401),
    (errors.DirectoryUnavailable, 503),
    (errors.StorageUnavailable, 503),
    (errors.InvalidIdentity, 403),
]


def status_of(error: errors.EcoLoopError) -> int:
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 400)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def problem(status: int, title: str, detail: str, fields: dict[str, list[str]] | None = None) -> Response:
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail}
    if fields:
        body["errors"] = fields
    rid = request_log.current_id()
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _handle_domain_error(error: errors.EcoLoopError) -> Response | tuple[str, int]:
    status = status_of(error)
    session = g.get("db")
    if session is not None:
        session.rollback()
    log.info("%s %s -> %s: %s", request.method, request.path, status, error.message)
    fields = error.details.get("fields") if isinstance(error.details.get("fields"), dict) else None
    if wants_json():
        return problem(status, type(error).__name__, error.message, fields)  # type: ignore[arg-type]
    return render_template("errors/error.html", status=status, message=error_text(error), fields=fields), status


def _handle_csrf(error: CSRFError) -> Response | tuple[str, int]:
    message = "表单已过期或缺少安全令牌，请刷新页面后重试 (CSRF token missing or invalid)"
    if wants_json():
        return problem(400, "CSRFError", message)
    return render_template("errors/error.html", status=400, message=message, fields=None), 400


def _handle_http(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    fields = getattr(error, "fields", None)
    if wants_json():
        return problem(status, error.name, error.description or error.name, fields)
    return render_template("errors/error.html", status=status, message=error.description, fields=fields), status


def _handle_validation(error: ValidationError) -> Response | tuple[str, int]:
    """A request parameter a view's schema refused (``?page=0``, ``?sort=x``): 422 naming the field."""
    session = g.get("db")
    if session is not None:
        session.rollback()
    fields = flatten(error.messages)
    log.info("%s %s -> 422: invalid %s", request.method, request.path, ", ".join(fields))
    message = "请求参数有误 (invalid request parameters): " + ", ".join(fields)
    if wants_json():
        return problem(422, "InvalidInput", message, fields)
    return render_template("errors/error.html", status=422, message=message, fields=fields), 422


def init_app(app: Flask) -> None:
    app.register_error_handler(errors.EcoLoopError, _handle_domain_error)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(ValidationError, _handle_validation)
