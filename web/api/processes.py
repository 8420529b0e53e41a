"""Process models: list deployed versions; deploy a new version (administrators)."""

from __future__ import annotations

from typing import Any

from engine.workflow import deployment as processes
from web.api.core import ApiBlueprint
from web.api.schemas.processes import (
    DeploySchema,
    ProcessQuerySchema,
    ProcessVersionSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_processes", __name__, url_prefix="/api/v1/processes", description="流程模型 (process models)")


@bp.route("", methods=["GET"])
@bp.arguments(ProcessQuerySchema, location="query")
@bp.response(200, ProcessVersionSchema(many=True))
def list_versions(query: dict[str, Any]) -> Any:
    """Every deployed version (newest first per process); ``is_active`` marks the one new instances use."""
    return processes.list_models(db(), query["key"])


@bp.route("", methods=["POST"])
@bp.arguments(DeploySchema, location="files")
@bp.response(201, ProcessVersionSchema)
def deploy(files: dict[str, Any]) -> Any:
    """Check and deploy a BPMN model as the new active version of its process (administrators only)."""
    return processes.deploy_with_known_forms(db(), actor(), files["bpmn"].read())
