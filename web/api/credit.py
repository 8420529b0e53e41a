"""Enterprise environmental credit: ratings with their history, objections (异议)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.credit import consequences, objections, ratings
from web.api.core import ApiBlueprint
from web.api.schemas.credit import PublishedLevelQuerySchema, PublishedLevelSchema
from web.api.schemas.exchange import (
    ObjectionRequestSchema,
    ObjectionSchema,
    RatingChangeSchema,
    RatingSchema,
)
from web.api.schemas.instances import InstanceSchema
from web.auth.session import actor
from web.database import db

bp = ApiBlueprint("api_credit", __name__, url_prefix="/api/v1/credit", description="环境信用 (credit)")


@bp.route("/ratings/<int:rating_id>")
@bp.response(200, RatingSchema)
def rating(rating_id: int) -> Any:
    """A credit rating (404 outside the caller's scope)."""
    return ratings.get_rating(db(), actor(), rating_id)


@bp.route("/ratings/<int:rating_id>/history")
@bp.response(200, RatingChangeSchema(many=True))
def rating_history(rating_id: int) -> Any:
    """Every change of a rating's level: proposal, objection, repair, correction."""
    return ratings.history(db(), actor(), rating_id)


@bp.route("/objections", methods=["POST"])
@bp.arguments(ObjectionRequestSchema)
@bp.response(201, InstanceSchema)
def file_objection(body: dict[str, Any]) -> Any:
    """An enterprise objects to its proposed rating during the public notice (starts credit_objection)."""
    row = objections.file(db(), actor(), body["region_code"], body["data"])
    return row, 201, {"Location": url_for("api_credit.objection", instance_id=row.id)}


@bp.route("/objections/<int:instance_id>")
@bp.response(200, ObjectionSchema)
def objection(instance_id: int) -> Any:
    """An objection by its process instance id: status and, once decided, the result."""
    return objections.objection_of(db(), actor(), instance_id)


@bp.route("/published")
@bp.arguments(PublishedLevelQuerySchema, location="query")
@bp.response(200, PublishedLevelSchema(many=True))
def published(query: dict[str, Any]) -> Any:
    """Published levels (the newest year per enterprise, or ``year``): the tax side's read of the ratings."""
    return consequences.published_levels(db(), actor(), enterprise_code=query["enterprise"], year=query["year"],
                                         page=query["page"], per_page=query["per_page"])


@bp.route("/special-class")
@bp.response(200, PublishedLevelSchema(many=True))
def special_class() -> Any:
    """Yellow and red enterprises: the special class of the random-inspection directory."""
    return consequences.special_class_for(db(), actor())
