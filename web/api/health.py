"""``GET /healthz``: whether the database and the directory answer (for load balancers and monitoring)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from engine.runstate import health
from web.api.core import ApiBlueprint
from web.api.schemas.health import HealthSchema
from web.database import db

bp = ApiBlueprint("api_health", __name__, description="运行状态 (health)")


@bp.route("/healthz")
@bp.doc(security=[])
@bp.response(200, HealthSchema)
@bp.alt_response(503, schema=HealthSchema, description="the database or the directory does not answer")
def healthz() -> Any:
    """200 when the database answers and the directory (if configured) does; 503 otherwise."""
    state = health.check(db(), current_app.extensions.get("ecoloop.directory"))
    body = {"status": "ok" if state.ok else "unavailable", "database": state.database, "directory": state.directory}
    return body, 200 if state.ok else 503
