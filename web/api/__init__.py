"""The REST API under /api/v1 (flask-smorest): OpenAPI 3 at /api/v1/openapi.json, Swagger UI at /api/v1/docs.

Every endpoint but the token endpoint, the document and ``/healthz`` needs
``Authorization: Bearer <token>``: a short-lived user token from
``POST /api/v1/auth/token`` or an API token of a machine client. Errors are
``application/problem+json`` (``web/errors.py``). See ``docs/api.md``.
"""

from __future__ import annotations

from flask import Flask

from web.api.core import CONVERTERS, PROBLEM_JSON, EcoLoopApi
from web.params import MAX_ROW_ID, RowId
from web.rate_limits import limiter_of

IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "a retry with the same key returns the first response and creates nothing twice (24 h)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}
UNAUTHORIZED = {"description": "missing, invalid or expired bearer token",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def init_app(app: Flask) -> None:
    """Register the API, its document and its docs page on ``app``."""
    from web.api import exchange
    from web.api.blueprints import ALL, limit

    app.config.update(
        API_TITLE="EcoLoop 生态环境闭环监管平台 API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json", OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},  # no call to an outside validator
    )
    limit(limiter_of(app))
    for name, (converter, _schema) in CONVERTERS.items():
        app.url_map.converters[name] = converter
    api = EcoLoopApi(app, spec_kwargs={"security": [{"bearer": []}], "components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/auth/token, or an API token"}}}})
    for converter, schema in CONVERTERS.values():
        api.register_converter(converter, lambda _c, schema=schema: schema)
    api.register_converter(RowId, lambda _c: {"type": "integer", "minimum": 0, "maximum": MAX_ROW_ID})
    for blueprint in ALL:
        api.register_blueprint(blueprint)
    _document_protected(api)
    exchange.document(api)
    app.extensions["ecoloop.api"] = api


def _document_protected(api: EcoLoopApi) -> None:
    """Every protected operation may answer 401; every protected POST takes an Idempotency-Key.

    Tags lose the blueprints' ``api_`` prefix (needed only because the UI has blueprints of the same names).
    """
    for tag in api.spec._tags:
        tag["name"] = tag["name"].removeprefix("api_")
    for operations in api.spec._paths.values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["tags"] = [tag.removeprefix("api_") for tag in operation.get("tags", [])]
            if operation.get("security") == []:
                continue
            operation.setdefault("responses", {}).setdefault("401", UNAUTHORIZED)
            if method == "post":
                operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
