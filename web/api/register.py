"""The register: enterprises and monitoring points, listed and read under scoping, created and changed by admins."""

from __future__ import annotations

from typing import Any

from engine.register import changes, queries
from web.api.core import ApiBlueprint
from web.api.schemas.register import (
    EnterpriseInSchema,
    EnterprisePatchSchema,
    EnterprisePageSchema,
    EnterpriseQuerySchema,
    EnterpriseSchema,
    PointInSchema,
    PointPageSchema,
    PointPatchSchema,
    PointQuerySchema,
    PointSchema,
)
from web.api.schemas.tasks import IfMatchSchema
from web.api.tasks import ETAG_HEADER, expected_version
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_register", __name__, url_prefix="/api/v1", description="名录 (enterprise and point register)")


def _enterprise(credit_code: str, status: int = 200) -> Any:
    record = queries.enterprise_detail(db(), actor(), credit_code)
    return record, status, {"ETag": f'"{record["version"]}"'}


def _point(mn: str, status: int = 200) -> Any:
    record = queries.point_record(queries.point(db(), actor(), mn))
    return record, status, {"ETag": f'"{record["version"]}"'}


@bp.route("/enterprises")
@bp.arguments(EnterpriseQuerySchema, location="query")
@bp.response(200, EnterprisePageSchema)
def list_enterprises(query: dict[str, Any]) -> Any:
    """Enterprises in the caller's scope (a county reviewer its county, an enterprise itself), by credit code."""
    page = queries.search_enterprises(db(), actor(), queries.EnterpriseQuery(text=query.pop("q"), **query))
    return {**page.__dict__, "items": [queries.enterprise_record(e) for e in page.items]}


@bp.route("/enterprises", methods=["POST"])
@bp.arguments(EnterpriseInSchema)
@bp.response(201, EnterpriseSchema, headers=ETAG_HEADER)
def create_enterprise(body: dict[str, Any]) -> Any:
    """Register an enterprise (admins); the checks and reasons are those of the import."""
    changes.save_enterprise(db(), actor(), changes.enterprise_cells_of(body), create=True)
    return _enterprise(body["credit_code"], 201)


@bp.route("/enterprises/<credit_code>")
@bp.response(200, EnterpriseSchema, headers=ETAG_HEADER)
def show_enterprise(credit_code: str) -> Any:
    """One enterprise with its list memberships (404 outside the caller's scope)."""
    return _enterprise(credit_code)


@bp.route("/enterprises/<credit_code>", methods=["PATCH"])
@bp.arguments(EnterprisePatchSchema(partial=True))
@bp.arguments(IfMatchSchema, location="headers")
@bp.response(200, EnterpriseSchema, headers=ETAG_HEADER)
def update_enterprise(body: dict[str, Any], headers: dict[str, Any], credit_code: str) -> Any:
    """Change an enterprise (admins); fields left out keep their values; ``If-Match`` a stale version gives 412."""
    changes.save_enterprise(db(), actor(), changes.enterprise_cells_of({**body, "credit_code": credit_code}),
                            create=False,
                            expected_version=expected_version(headers["if_match"]))
    return _enterprise(credit_code)


@bp.route("/points")
@bp.arguments(PointQuerySchema, location="query")
@bp.response(200, PointPageSchema)
def list_points(query: dict[str, Any]) -> Any:
    """Monitoring points of the enterprises in the caller's scope, by MN (without factors)."""
    page = queries.search_points(db(), actor(), mn=query["mn"], credit_code=query["enterprise"],
                                 region=query["region"], kind=query["kind"], page=query["page"],
                                 per_page=query["per_page"])
    return {**page.__dict__, "items": [queries.point_record(view) for view in page.items]}


@bp.route("/points", methods=["POST"])
@bp.arguments(PointInSchema)
@bp.response(201, PointSchema, headers=ETAG_HEADER)
def create_point(body: dict[str, Any]) -> Any:
    """Register a point of a registered enterprise (admins); ``password`` is required and stored hashed."""
    changes.save_point(db(), actor(), changes.point_cells_of(body), create=True)
    return _point(body["mn"], 201)


@bp.route("/points/<mn>")
@bp.response(200, PointSchema, headers=ETAG_HEADER)
def show_point(mn: str) -> Any:
    """One point with its factors and filed suspensions (404 outside the caller's scope)."""
    return _point(mn)


@bp.route("/points/<mn>", methods=["PATCH"])
@bp.arguments(PointPatchSchema(partial=True))
@bp.arguments(IfMatchSchema, location="headers")
@bp.response(200, PointSchema, headers=ETAG_HEADER)
def update_point(body: dict[str, Any], headers: dict[str, Any], mn: str) -> Any:
    """Change a point (admins): limits, factors, suspensions, a rotated password; stale ``If-Match`` gives 412."""
    changes.save_point(db(), actor(), changes.point_cells_of({**body, "mn": mn}), create=False,
                       expected_version=expected_version(headers["if_match"]))
    return _point(mn)
