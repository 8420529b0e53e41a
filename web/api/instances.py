"""Process instances: start, read with current tasks, audit history; suspend, resume, terminate (admin)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.instances import service as instances
from web.api.core import ApiBlueprint
from web.api.schemas.instances import (
    AuditEventSchema,
    InstanceDetailSchema,
    InstanceSchema,
    ReasonSchema,
    StartInstanceSchema,
)
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_instances", __name__, url_prefix="/api/v1", description="流程实例 (process instances)")

ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": "the instance version, for If-Match"}}


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


@bp.route("/processes/<process_key:key>/instances", methods=["POST"])
@bp.arguments(StartInstanceSchema)
@bp.response(201, InstanceSchema, headers={"Location": {"schema": {"type": "string"}}, **ETAG_HEADER})
def start(body: dict[str, Any], key: str) -> Any:
    """Start the active version of a process; it runs to its first wait state."""
    row = instances.start(db(), actor(), instances.StartRequest(process_key=key, **body))
    return row, 201, {"Location": url_for("api_instances.show", instance_id=row.id), **_etag(row.version)}


@bp.route("/instances/<int:instance_id>")
@bp.response(200, InstanceDetailSchema, headers=ETAG_HEADER)
def show(instance_id: int) -> Any:
    """Status, version and tasks of an instance (404 outside the caller's scope)."""
    view = instances.overview(db(), actor(), instance_id)
    return view, 200, _etag(view.instance.version)


@bp.route("/instances/<int:instance_id>/history")
@bp.response(200, AuditEventSchema(many=True))
def history(instance_id: int) -> Any:
    """The instance's audit timeline, oldest first."""
    return instances.timeline(db(), actor(), instance_id)


@bp.route("/instances/<int:instance_id>/suspend", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, InstanceSchema)
def suspend(body: dict[str, Any], instance_id: int) -> Any:
    """Suspend a running instance (administrators)."""
    return instances.suspend(db(), actor(), instance_id, body["reason"])


@bp.route("/instances/<int:instance_id>/resume", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, InstanceSchema)
def resume(body: dict[str, Any], instance_id: int) -> Any:
    """Resume a suspended instance (administrators)."""
    return instances.resume(db(), actor(), instance_id, body["reason"])


@bp.route("/instances/<int:instance_id>/terminate", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, InstanceSchema)
def terminate(body: dict[str, Any], instance_id: int) -> Any:
    """End an instance for good: its open tasks are cancelled (administrators)."""
    return instances.terminate(db(), actor(), instance_id, body["reason"])
